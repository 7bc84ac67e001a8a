/* The film player: hls.js (native HLS as fallback), quality and subtitle menus, keyboard
 * control, position saving, and re-signed segment links while the film plays.
 *
 * The server starts the stream (POST start), answers heartbeats with a fresh playlist token,
 * and refuses either with a message (rental expired, refunded, stream limit...), which is
 * shown here and stops playback. */
(function () {
  "use strict";
  var root = document.querySelector("[data-player]");
  if (!root) return;
  var video = root.querySelector("video");
  var message = root.querySelector(".player-message");
  var playButton = root.querySelector(".pc-play");
  var muteButton = root.querySelector(".pc-mute");
  var seek = root.querySelector(".pc-seek");
  var timeLabel = root.querySelector(".pc-time");
  var quality = root.querySelector(".pc-quality");
  var subtitles = root.querySelector(".pc-subtitles");
  var fullscreen = root.querySelector(".pc-fullscreen");
  var csrf = root.dataset.csrf;
  var state = { hls: null, info: null, timers: [], stopped: false, seeking: false };

  function post(url, body, keepalive) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    });
  }

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function showMessage(text, rentAgainUrl) {
    message.textContent = text;
    if (rentAgainUrl) {
      var p = document.createElement("p");
      var a = document.createElement("a");
      a.href = rentAgainUrl;
      a.className = "button";
      a.textContent = root.dataset.rentAgainLabel;
      p.appendChild(a);
      message.appendChild(p);
    }
    message.hidden = false;
  }

  function stop(error) {
    state.stopped = true;
    state.timers.forEach(clearInterval);
    state.timers = [];
    if (state.hls) { state.hls.destroy(); state.hls = null; }
    video.pause();
    video.removeAttribute("src");
    video.load();
    root.classList.add("is-refused");
    showMessage((error && error.message) || root.dataset.errorLabel, error && error.rent_again_url);
  }

  // --- menus --------------------------------------------------------------------------
  function fillQuality() {
    var hls = state.hls;
    quality.innerHTML = "";
    quality.appendChild(new Option(root.dataset.autoLabel, "-1"));
    if (!hls) { quality.disabled = true; return; }
    hls.levels.forEach(function (level, index) {
      var label = level.height ? level.height + "p" : Math.round(level.bitrate / 1000) + " kb/s";
      quality.appendChild(new Option(label, String(index)));
    });
    quality.value = String(hls.manualLevel === undefined ? -1 : hls.manualLevel);
  }

  function fillSubtitles() {
    subtitles.innerHTML = "";
    subtitles.appendChild(new Option(root.dataset.offLabel, "-1"));
    var tracks = state.hls ? state.hls.subtitleTracks : Array.prototype.slice.call(video.textTracks);
    tracks.forEach(function (track, index) {
      var name = track.name || track.label || track.lang || track.language;
      var lang = track.lang || track.language;
      var option = new Option(lang && name !== lang ? name + " (" + lang + ")" : name, String(index));
      option.lang = lang || "";
      subtitles.appendChild(option);
    });
    subtitles.disabled = tracks.length === 0;
  }

  quality.addEventListener("change", function () {
    if (state.hls) state.hls.currentLevel = parseInt(quality.value, 10);
  });

  subtitles.addEventListener("change", function () {
    var index = parseInt(subtitles.value, 10);
    if (state.hls) {
      state.hls.subtitleTrack = index;
      state.hls.subtitleDisplay = index >= 0;
    } else {
      Array.prototype.forEach.call(video.textTracks, function (track, i) {
        track.mode = i === index ? "showing" : "disabled";
      });
    }
  });

  // --- keeping the stream alive and its links fresh -----------------------------------
  function heartbeat(final) {
    if (!state.info || (state.stopped && !final)) return Promise.resolve();
    var body = { position: Math.floor(video.currentTime || 0) };
    if (isFinite(video.duration) && video.duration > 0) body.duration = Math.floor(video.duration);
    if (final) body.stop = true;
    return post(state.info.heartbeat_url, body, final).then(function (r) {
      if (final) return;
      if (!r.ok) { stop(r.data.error); return; }
      state.info.token = r.data.token;
      state.info.master_url = r.data.master_url;
    }).catch(function () { /* offline for a moment: the next beat retries */ });
  }

  function withToken(url) {
    return url.replace(/\/play\/[^/]+\//, "/play/" + state.info.token + "/");
  }

  // Segment links are short-lived: re-fetch each loaded variant playlist (the server
  // re-checks the viewer) and give hls.js the new links before the old ones expire.
  function refreshLinks() {
    var hls = state.hls;
    if (!hls || state.stopped) return;
    hls.levels.forEach(function (level) {
      var details = level.details;
      if (!details || !details.fragments.length) return;
      var url = withToken(level.uri);
      fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
        return response.text().then(function (text) {
          if (!response.ok) { stop({ message: text }); return; }
          var uris = text.split("\n").filter(function (line) {
            return line && line.charAt(0) !== "#";
          });
          if (uris.length !== details.fragments.length) return;
          details.fragments.forEach(function (fragment, i) {
            fragment.url = new URL(uris[i], response.url).href;
          });
        });
      }).catch(function () {});
    });
  }

  // A playlist or segment was refused: ask the server why. A refusal (refund, expiry,
  // blocked country) stops the player with its message; otherwise links had just expired.
  function forbidden() {
    if (state.checking || state.stopped) return;
    state.checking = true;
    heartbeat().then(function () {
      state.checking = false;
      if (state.stopped || !state.hls) return;
      refreshLinks();
      state.hls.startLoad(video.currentTime);
    });
  }

  function attach(info) {
    state.info = info;
    var start = info.position || 0;
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({ startPosition: start > 0 ? start : -1, maxBufferLength: 30 });
      state.hls = hls;
      hls.on(window.Hls.Events.MANIFEST_PARSED, function () { fillQuality(); fillSubtitles(); });
      hls.on(window.Hls.Events.SUBTITLE_TRACKS_UPDATED, fillSubtitles);
      hls.on(window.Hls.Events.LEVEL_SWITCHED, function (event, data) {
        var auto = quality.querySelector('option[value="-1"]');
        var level = hls.levels[data.level];
        if (auto && level) auto.textContent = root.dataset.autoLabel + (hls.autoLevelEnabled ? " (" + level.height + "p)" : "");
      });
      hls.on(window.Hls.Events.ERROR, function (event, data) {
        var code = data.response && data.response.code;
        if (code === 403) { forbidden(); return; }
        if (!data.fatal) return;
        if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); return; }
        stop(null);
      });
      hls.loadSource(info.master_url);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = info.master_url;
      video.addEventListener("loadedmetadata", function () {
        if (start > 0) video.currentTime = start;
        fillSubtitles();
      }, { once: true });
      video.addEventListener("error", function () {
        // Expired links: reload the source from a fresh master where playback was.
        var at = video.currentTime;
        if (state.stopped) return;
        heartbeat().then(function () {
          if (state.stopped) return;
          video.src = state.info.master_url;
          video.addEventListener("loadedmetadata", function () { video.currentTime = at; video.play(); }, { once: true });
        });
      });
      quality.disabled = true;
    } else {
      showMessage(root.dataset.unsupportedLabel);
      return;
    }
    state.timers.push(setInterval(heartbeat, (info.heartbeat_seconds || 10) * 1000));
    state.timers.push(setInterval(refreshLinks, (info.refresh_seconds || 120) * 1000));
  }

  // --- controls -----------------------------------------------------------------------
  function togglePlay() {
    if (state.stopped) return;
    if (video.paused) video.play().catch(function () {}); else video.pause();
  }
  function toggleMute() { video.muted = !video.muted; }
  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (root.requestFullscreen) root.requestFullscreen().catch(function () {});
  }
  function seekBy(delta) {
    var end = isFinite(video.duration) ? video.duration : video.currentTime + delta;
    video.currentTime = Math.max(0, Math.min(end, video.currentTime + delta));
  }

  playButton.addEventListener("click", togglePlay);
  muteButton.addEventListener("click", toggleMute);
  fullscreen.addEventListener("click", toggleFullscreen);
  video.addEventListener("click", togglePlay);
  video.addEventListener("play", function () {
    playButton.textContent = "❚❚";
    playButton.setAttribute("aria-label", playButton.dataset.pauseLabel);
  });
  video.addEventListener("pause", function () {
    playButton.textContent = "▶";
    playButton.setAttribute("aria-label", playButton.dataset.playLabel);
    heartbeat();
  });
  video.addEventListener("volumechange", function () {
    var label = video.muted ? muteButton.dataset.unmuteLabel : muteButton.dataset.muteLabel;
    muteButton.textContent = label;
    muteButton.setAttribute("aria-label", label);
  });
  video.addEventListener("durationchange", function () {
    if (isFinite(video.duration)) seek.max = String(Math.floor(video.duration));
  });
  video.addEventListener("timeupdate", function () {
    if (!state.seeking) seek.value = String(Math.floor(video.currentTime));
    seek.setAttribute("aria-valuetext", clock(video.currentTime));
    timeLabel.textContent = clock(video.currentTime) + " / " + clock(video.duration);
  });
  seek.addEventListener("input", function () { state.seeking = true; });
  seek.addEventListener("change", function () {
    state.seeking = false;
    video.currentTime = parseFloat(seek.value);
  });

  root.addEventListener("keydown", function (event) {
    var tag = event.target.tagName;
    if (tag === "SELECT" || (tag === "INPUT" && event.target.type !== "range")) return;
    var key = event.key;
    if (key === " " && tag === "BUTTON") return; // the focused button handles Space itself
    if (key === " " || key === "k" || key === "K") togglePlay();
    else if (key === "ArrowLeft" && tag !== "INPUT") seekBy(-10);
    else if (key === "ArrowRight" && tag !== "INPUT") seekBy(10);
    else if (key === "f" || key === "F") toggleFullscreen();
    else if (key === "m" || key === "M") toggleMute();
    else return;
    event.preventDefault();
  });

  window.addEventListener("pagehide", function () { heartbeat(true); });

  post(root.dataset.startUrl).then(function (r) {
    if (!r.ok) { stop(r.data.error); return; }
    attach(r.data);
  }).catch(function () { stop(null); });
})();

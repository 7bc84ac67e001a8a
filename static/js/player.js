// The film player: hls.js (native HLS as fallback), quality, audio and subtitle menus, keyboard
// control, position saving, and re-signed segment links while the film plays.
//
// The server starts the stream (POST start), answers heartbeats with a fresh playlist token,
// and refuses either with a message (rental expired, refunded, stream limit...), which is
// shown here and stops playback.
//
// Segment links in a variant playlist are signatures that expire within minutes, but hls.js
// reads a film's playlists once. So the player re-fetches each loaded variant playlist with
// the latest token (the server re-checks the viewer each time) and keeps the new links by
// segment; its segment loader, given to hls.js as `fLoader`, fetches each segment at its
// newest link.

import { AudioMenu } from "./player-audio.js";

const clock = (seconds) => {
  const total = Math.max(0, Math.floor(seconds || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return `${h ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
};

// hls.js's default loader, asking `links` (fragment → newest signed URL) for each segment.
function segmentLoader(Hls, links) {
  return class SegmentLoader extends Hls.DefaultConfig.loader {
    load(context, config, callbacks) {
      const url = links.get(context.frag);
      super.load(url ? { ...context, url } : context, config, callbacks);
    }
  };
}

class Player {
  constructor(root) {
    this.root = root;
    this.video = root.querySelector("video");
    this.message = root.querySelector(".player-message");
    this.playButton = root.querySelector(".pc-play");
    this.muteButton = root.querySelector(".pc-mute");
    this.seek = root.querySelector(".pc-seek");
    this.timeLabel = root.querySelector(".pc-time");
    this.quality = root.querySelector(".pc-quality");
    this.subtitles = root.querySelector(".pc-subtitles");
    this.audio = root.querySelector(".pc-audio");
    this.audioField = root.querySelector(".pc-audio-field");
    this.audioMenu = new AudioMenu(this);
    this.fullscreen = root.querySelector(".pc-fullscreen");
    this.csrf = root.dataset.csrf;
    this.hls = null;
    this.info = null;
    this.timers = [];
    this.stopped = false;
    this.seeking = false;
    this.checking = false;
    this.links = new WeakMap();
    this.bindMenus();
    this.bindControls();
    // A screener counts a play when its stream starts: opening the link (to check it, or on
    // another screen than the one to watch on) must not spend one, so it starts on Play.
    this.waiting = root.dataset.startOnPlay !== undefined;
    if (!this.waiting) this.begin();
  }

  async post(url, body, keepalive) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": this.csrf },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({}));
    return { ok: response.ok, status: response.status, data };
  }

  showMessage(text, rentAgainUrl) {
    this.message.textContent = text;
    if (rentAgainUrl) {
      const p = document.createElement("p");
      const a = document.createElement("a");
      a.href = rentAgainUrl;
      a.className = "button";
      a.textContent = this.root.dataset.rentAgainLabel;
      p.append(a);
      this.message.append(p);
    }
    this.message.hidden = false;
  }

  stop(error) {
    this.stopped = true;
    this.timers.forEach(clearInterval);
    this.timers = [];
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    this.video.pause();
    this.video.removeAttribute("src");
    this.video.load();
    this.root.classList.add("is-refused");
    this.showMessage(error?.message || this.root.dataset.errorLabel, error?.rent_again_url);
  }

  // --- menus --------------------------------------------------------------------------
  fillQuality() {
    const { hls, quality } = this;
    quality.innerHTML = "";
    quality.append(new Option(this.root.dataset.autoLabel, "-1"));
    if (!hls) {
      quality.disabled = true;
      return;
    }
    hls.levels.forEach((level, index) => {
      quality.append(new Option(this.levelLabel(level), String(index)));
    });
    quality.value = String(hls.manualLevel === undefined ? -1 : hls.manualLevel);
  }

  // "720p", or without a picture size "800 kb/s" in the page's language (the template's label).
  levelLabel(level) {
    if (level.height) return `${level.height}p`;
    const rate = new Intl.NumberFormat(document.documentElement.lang || "en").format(
      Math.round(level.bitrate / 1000),
    );
    return this.quality.dataset.bitrateLabel.replace("{rate}", rate);
  }

  fillSubtitles() {
    const { subtitles } = this;
    subtitles.innerHTML = "";
    subtitles.append(new Option(this.root.dataset.offLabel, "-1"));
    const tracks = this.hls ? this.hls.subtitleTracks : Array.from(this.video.textTracks);
    tracks.forEach((track, index) => {
      const name = track.name || track.label || track.lang || track.language;
      const lang = track.lang || track.language;
      const option = new Option(lang && name !== lang ? `${name} (${lang})` : name, String(index));
      option.lang = lang || "";
      subtitles.append(option);
    });
    subtitles.disabled = tracks.length === 0;
  }

  bindMenus() {
    this.audio.addEventListener("change", () => {
      this.audioMenu.select(parseInt(this.audio.value, 10), true);
    });
    this.quality.addEventListener("change", () => {
      if (this.hls) this.hls.currentLevel = parseInt(this.quality.value, 10);
    });
    this.subtitles.addEventListener("change", () => {
      const index = parseInt(this.subtitles.value, 10);
      if (this.hls) {
        this.hls.subtitleTrack = index;
        this.hls.subtitleDisplay = index >= 0;
      } else {
        Array.from(this.video.textTracks).forEach((track, i) => {
          track.mode = i === index ? "showing" : "disabled";
        });
      }
    });
  }

  // --- keeping the stream alive and its links fresh -----------------------------------
  async heartbeat(final) {
    if (!this.info || (this.stopped && !final)) return;
    const { video } = this;
    const body = { position: Math.floor(video.currentTime || 0) };
    if (Number.isFinite(video.duration) && video.duration > 0) {
      body.duration = Math.floor(video.duration);
    }
    if (final) body.stop = true;
    let r;
    try {
      r = await this.post(this.info.heartbeat_url, body, final);
    } catch (error) {
      return; // offline for a moment: the next beat retries
    }
    if (final) return;
    if (!r.ok) {
      this.stop(r.data.error);
      return;
    }
    this.info.token = r.data.token;
    this.info.master_url = r.data.master_url;
  }

  withToken(url) {
    return url.replace(/\/play\/[^/]+\//, `/play/${this.info.token}/`);
  }

  // Re-fetch every loaded variant (and alternate audio) playlist and keep its new segment links for the loader,
  // before the old ones expire. A refusal (refund, expiry...) stops the player.
  async refreshLinks() {
    if (!this.hls || this.stopped) return;
    const audio = (this.hls.audioTracks || []).filter((track) => track.url);
    await Promise.all([...this.hls.levels, ...audio].map((level) => this.refreshLevel(level)));
  }

  async refreshLevel(level) {
    const details = level.details;
    if (!details || !details.fragments.length) return;
    let response;
    let text;
    try {
      response = await fetch(this.withToken(level.uri || level.url), {
        credentials: "same-origin",
        cache: "no-store",
      });
      text = await response.text();
    } catch (error) {
      return; // offline for a moment: the next refresh retries
    }
    if (this.stopped) return;
    if (!response.ok) {
      if (this.audioMenu.lostPlaylist(level, response.status)) return;
      this.stop({ message: text });
      return;
    }
    const uris = text.split("\n").filter((line) => line && !line.startsWith("#"));
    if (uris.length !== details.fragments.length) return;
    details.fragments.forEach((fragment, i) => {
      this.links.set(fragment, new URL(uris[i], response.url).href);
    });
  }

  // A playlist or segment was refused: ask the server why. A refusal (refund, expiry,
  // blocked country) stops the player with its message; otherwise links had just expired.
  async forbidden() {
    if (this.checking || this.stopped) return;
    this.checking = true;
    await this.heartbeat();
    if (!this.stopped && this.hls) await this.refreshLinks();
    this.checking = false;
    if (this.stopped || !this.hls) return;
    this.hls.startLoad(this.video.currentTime);
  }

  attach(info) {
    this.info = info;
    const start = info.position || 0;
    const { Hls } = window;
    const { video } = this;
    if (Hls && Hls.isSupported()) {
      const hls = new Hls({
        startPosition: start > 0 ? start : -1,
        maxBufferLength: 30,
        fLoader: segmentLoader(Hls, this.links),
      });
      this.hls = hls;
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        this.fillQuality();
        this.fillSubtitles();
      });
      hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, () => this.fillSubtitles());
      hls.on(Hls.Events.AUDIO_TRACKS_UPDATED, () => this.audioMenu.fill());
      hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, (event, data) => this.audioMenu.switched(data.id));
      hls.on(Hls.Events.LEVEL_SWITCHED, (event, data) => {
        const auto = this.quality.querySelector('option[value="-1"]');
        const level = hls.levels[data.level];
        if (auto && level) {
          const current = hls.autoLevelEnabled ? ` (${this.levelLabel(level)})` : "";
          auto.textContent = this.root.dataset.autoLabel + current;
        }
      });
      hls.on(Hls.Events.ERROR, (event, data) => {
        if (this.audioMenu.lostTrack(data)) return;
        if (data.response?.code === 403) {
          this.forbidden();
          return;
        }
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
          hls.recoverMediaError();
          return;
        }
        this.stop(null);
      });
      hls.loadSource(info.master_url);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = info.master_url;
      video.addEventListener(
        "loadedmetadata",
        () => {
          if (start > 0) video.currentTime = start;
          this.fillSubtitles();
          this.audioMenu.fill();
        },
        { once: true },
      );
      video.addEventListener("error", async () => {
        // Expired links: reload the source from a fresh master where playback was.
        const at = video.currentTime;
        if (this.stopped) return;
        await this.heartbeat();
        if (this.stopped) return;
        video.src = this.info.master_url;
        video.addEventListener(
          "loadedmetadata",
          () => {
            video.currentTime = at;
            video.play();
          },
          { once: true },
        );
      });
      this.quality.disabled = true;
    } else {
      this.showMessage(this.root.dataset.unsupportedLabel);
      return;
    }
    this.timers.push(setInterval(() => this.heartbeat(), (info.heartbeat_seconds || 10) * 1000));
    this.timers.push(setInterval(() => this.refreshLinks(), (info.refresh_seconds || 120) * 1000));
  }

  // --- controls -----------------------------------------------------------------------
  togglePlay() {
    if (this.stopped) return;
    if (this.waiting) {
      this.waiting = false;
      this.begin().then(() => {
        if (!this.stopped) this.video.play().catch(() => {});
      });
      return;
    }
    if (this.video.paused) this.video.play().catch(() => {});
    else this.video.pause();
  }

  toggleMute() {
    this.video.muted = !this.video.muted;
  }

  toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (this.root.requestFullscreen) this.root.requestFullscreen().catch(() => {});
  }

  seekBy(delta) {
    const { video } = this;
    const end = Number.isFinite(video.duration) ? video.duration : video.currentTime + delta;
    video.currentTime = Math.max(0, Math.min(end, video.currentTime + delta));
  }

  bindControls() {
    const { video, playButton, muteButton, seek } = this;
    playButton.addEventListener("click", () => this.togglePlay());
    // The page renders Play disabled so that a press before this script runs is not lost.
    playButton.disabled = false;
    muteButton.addEventListener("click", () => this.toggleMute());
    this.fullscreen.addEventListener("click", () => this.toggleFullscreen());
    video.addEventListener("click", () => this.togglePlay());
    video.addEventListener("play", () => {
      playButton.textContent = "❚❚";
      playButton.setAttribute("aria-label", playButton.dataset.pauseLabel);
    });
    video.addEventListener("pause", () => {
      playButton.textContent = "▶";
      playButton.setAttribute("aria-label", playButton.dataset.playLabel);
      this.heartbeat();
    });
    video.addEventListener("volumechange", () => {
      const label = video.muted ? muteButton.dataset.unmuteLabel : muteButton.dataset.muteLabel;
      muteButton.textContent = label;
      muteButton.setAttribute("aria-label", label);
    });
    video.addEventListener("durationchange", () => {
      if (Number.isFinite(video.duration)) seek.max = String(Math.floor(video.duration));
    });
    video.addEventListener("timeupdate", () => {
      if (!this.seeking) seek.value = String(Math.floor(video.currentTime));
      seek.setAttribute("aria-valuetext", clock(video.currentTime));
      this.timeLabel.textContent = `${clock(video.currentTime)} / ${clock(video.duration)}`;
    });
    seek.addEventListener("input", () => {
      this.seeking = true;
    });
    seek.addEventListener("change", () => {
      this.seeking = false;
      video.currentTime = parseFloat(seek.value);
    });

    this.root.addEventListener("keydown", (event) => {
      const tag = event.target.tagName;
      if (tag === "SELECT" || (tag === "INPUT" && event.target.type !== "range")) return;
      const { key } = event;
      if (key === " " && tag === "BUTTON") return; // the focused button handles Space itself
      if (key === " " || key === "k" || key === "K") this.togglePlay();
      else if (key === "ArrowLeft" && tag !== "INPUT") this.seekBy(-10);
      else if (key === "ArrowRight" && tag !== "INPUT") this.seekBy(10);
      else if (key === "f" || key === "F") this.toggleFullscreen();
      else if (key === "m" || key === "M") this.toggleMute();
      else return;
      event.preventDefault();
    });

    window.addEventListener("pagehide", () => this.heartbeat(true));
  }

  async begin() {
    try {
      const r = await this.post(this.root.dataset.startUrl);
      if (!r.ok) {
        this.stop(r.data.error);
        return;
      }
      this.attach(r.data);
    } catch (error) {
      this.stop(null);
    }
  }
}

const root = document.querySelector("[data-player]");
if (root) new Player(root);

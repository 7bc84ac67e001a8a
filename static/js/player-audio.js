// The player's audio menu: dubbed versions, commentary, audio description.
//
// Tracks come from hls.js, or from the browser's own HLS (Safari) as `video.audioTracks`.
// The viewer's last choice is remembered in this browser (by name, then by language and
// whether it describes the picture), so the next film starts in the same language or with
// audio description again.
//
// A studio may delete an audio track while someone listens to it: its playlist and segments
// then answer 404 (or 410). The player goes on from where it is with the film's default
// track, takes the gone track off the menu and says so in the notice (a polite live region);
// a remembered choice that fails before the film has played falls back without a word.
//
// With hls.js, one switch at a time: a pick made while hls.js is still switching waits until
// that switch has played (AUDIO_TRACK_SWITCHED). hls.js flushes the old track's audio only once
// it has buffered some of it; a switch begun while the previous track's first audio is being
// appended leaves that audio in the buffer, so the old language plays on at the position (and,
// while paused, the new switch never completes).

const AUDIO_CHOICE_KEY = "storefront.audio";
const GONE = new Set([404, 410]);

const language = (track) => track.lang || track.language || "";
const label = (track) => track.name || track.label || "";
// A track's playlist address without the viewer's token, which changes with every beat.
const key = (track) => (track.url || `${language(track)}:${label(track)}`).replace(/\/play\/[^/]+\//, "/play/");
const describesVideo = (track) =>
  String(track.characteristics || track.attrs?.CHARACTERISTICS || track.kind || "").includes("describes-video") ||
  track.kind === "descriptions";

export class AudioMenu {
  constructor(player) {
    this.player = player;
    this.notice = player.root.querySelector(".player-notice");
    this.gone = new Set(); // keys of the tracks found gone, kept across a reloaded master
    this.picked = false; // the viewer chose a track on this page
    this.playing = -1; // hls.js: the track its last completed switch put on
    this.pending = -1; // hls.js: a pick waiting for the switch under way to end
  }

  tracks() {
    const { hls, video } = this.player;
    if (hls) return hls.audioTracks || [];
    return video.audioTracks ? Array.from(video.audioTracks) : [];
  }

  // Indices of the tracks that still play.
  available() {
    return this.tracks()
      .map((track, index) => (this.gone.has(key(track)) ? -1 : index))
      .filter((index) => index >= 0);
  }

  fill() {
    const { hls } = this.player;
    if (hls && hls.audioTrack < 0) {
      // A new list of tracks (a new master playlist): nothing of the old one plays or waits.
      this.playing = -1;
      this.pending = -1;
    }
    const tracks = this.tracks();
    const available = this.available();
    const { audio, audioField } = this.player;
    audio.innerHTML = "";
    available.forEach((index) => {
      const track = tracks[index];
      const option = new Option(label(track) || language(track), String(index));
      option.lang = language(track);
      audio.append(option);
    });
    audioField.hidden = available.length < 2;
    if (available.length < 2) return;
    const remembered = this.remembered();
    const wanted = remembered ? this.match(tracks, remembered) : -1;
    if (wanted >= 0 && wanted !== this.current()) this.select(wanted, false);
    audio.value = String(this.current());
    this.show();
  }

  remembered() {
    try {
      return JSON.parse(window.localStorage.getItem(AUDIO_CHOICE_KEY) || "null");
    } catch {
      return null;
    }
  }

  match(tracks, choice) {
    const find = (test) => tracks.findIndex((t) => !this.gone.has(key(t)) && test(t));
    const byName = find((t) => label(t) === choice.name && language(t) === choice.lang);
    if (byName >= 0) return byName;
    return find((t) => language(t) === choice.lang && describesVideo(t) === Boolean(choice.describes));
  }

  current() {
    const { hls } = this.player;
    if (hls) return hls.audioTrack;
    return this.tracks().findIndex((t) => t.enabled);
  }

  // `now`: switch at once, even while hls.js is still switching (the track it switches to is gone).
  select(index, remember, now = false) {
    const tracks = this.tracks();
    const track = tracks[index];
    if (!track || this.gone.has(key(track))) return;
    const { hls } = this.player;
    if (!hls) {
      tracks.forEach((t, i) => {
        t.enabled = i === index;
      });
    } else if (!now && this.switchInFlight() && index !== hls.audioTrack) {
      this.pending = index;
    } else {
      this.pending = -1;
      hls.audioTrack = index;
    }
    this.show();
    if (remember) {
      this.picked = true;
      this.say("");
      const choice = { name: label(track), lang: language(track), describes: describesVideo(track) };
      try {
        window.localStorage.setItem(AUDIO_CHOICE_KEY, JSON.stringify(choice));
      } catch {
        // Private browsing may refuse storage: the choice holds for this film only.
      }
    }
  }

  // A switch hls.js began has not played yet.
  switchInFlight() {
    const { hls } = this.player;
    return Boolean(hls) && hls.audioTrack >= 0 && hls.audioTrack !== this.playing;
  }

  // hls.js reports that a switch has played: the pick that waited for it goes ahead.
  switched(index) {
    this.playing = index;
    const next = this.pending;
    this.pending = -1;
    if (next >= 0 && next !== this.current()) this.select(next, false);
    this.show();
  }

  show() {
    // The menu shows the viewer's choice; the data attribute what plays now, for people and
    // tests alike (with hls.js, once its switch has played).
    const { hls } = this.player;
    const chosen = this.pending >= 0 ? this.pending : this.current();
    const playing = hls ? this.playing : this.current();
    const track = this.tracks()[playing];
    this.player.audio.value = String(chosen);
    this.player.root.dataset.audioTrack = track ? `${language(track)}:${label(track)}` : "";
  }

  say(text) {
    if (this.notice) this.notice.textContent = text;
  }

  // The film's own default track (the one muxed into the picture), else the first that plays.
  fallback() {
    const tracks = this.tracks();
    const available = this.available();
    return available.find((index) => tracks[index].default) ?? available[0] ?? -1;
  }

  // The track at `index` is gone for good: off the menu, and if it played, the default plays
  // on from here. True when it was the selected track.
  lose(index) {
    const tracks = this.tracks();
    const track = tracks[index];
    if (!track || this.gone.has(key(track))) return false;
    const playing = index === this.current();
    this.gone.add(key(track));
    if (this.pending === index) this.pending = -1;
    if (playing) {
      // A switch to the gone track would never play: the fallback goes ahead at once.
      const fallback = this.fallback();
      if (fallback >= 0) this.select(fallback, false, true);
      const { video } = this.player;
      if (this.picked || video.played.length > 0) this.say(this.notice?.dataset.audioGoneLabel || "");
    }
    this.fill();
    return playing;
  }

  // hls.js reports an error: true if it was an alternate audio track's playlist or segment
  // answering "gone", in which case the default track now plays (loading resumes if hls.js
  // had given up).
  lostTrack(data) {
    const { hls, video } = this.player;
    const { ErrorDetails } = window.Hls;
    if (!hls || !GONE.has(data.response?.code)) return false;
    const playlist = data.details === ErrorDetails.AUDIO_TRACK_LOAD_ERROR;
    if (!playlist && data.frag?.type !== "audio") return false;
    const index = playlist && Number.isInteger(data.context?.id) ? data.context.id : hls.audioTrack;
    if (this.lose(index) && !video.buffered.length) this.restart();
    else if (data.fatal) hls.startLoad(video.currentTime);
    return true;
  }

  // Nothing is buffered (the film has not begun, or switching to the gone track had flushed
  // its audio): hls.js would go on waiting for that track's audio. Start afresh, from here,
  // with a new master playlist, which no longer lists the track.
  restart() {
    const { hls, video, info } = this.player;
    const at = video.currentTime;
    const playing = !video.paused;
    hls.detachMedia();
    if (at > 0) hls.config.startPosition = at;
    hls.loadSource(info.master_url);
    hls.attachMedia(video);
    if (playing) video.play().catch(() => {});
  }

  // A refreshed playlist was refused: true if it is an audio track's and the track is gone.
  lostPlaylist(level, status) {
    const index = this.tracks().indexOf(level);
    if (index < 0 || !GONE.has(status)) return false;
    this.lose(index);
    return true;
  }
}

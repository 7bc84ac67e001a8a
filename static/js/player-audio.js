// The player's audio menu: dubbed versions, commentary, audio description.
//
// Tracks come from hls.js, or from the browser's own HLS (Safari) as `video.audioTracks`.
// The viewer's last choice is remembered in this browser (by name, then by language and
// whether it describes the picture), so the next film starts in the same language or with
// audio description again.

const AUDIO_CHOICE_KEY = "storefront.audio";

const language = (track) => track.lang || track.language || "";
const label = (track) => track.name || track.label || "";
const describesVideo = (track) =>
  String(track.characteristics || track.attrs?.CHARACTERISTICS || track.kind || "").includes("describes-video") ||
  track.kind === "descriptions";

export class AudioMenu {
  constructor(player) {
    this.player = player;
  }

  tracks() {
    const { hls, video } = this.player;
    if (hls) return hls.audioTracks || [];
    return video.audioTracks ? Array.from(video.audioTracks) : [];
  }

  fill() {
    const tracks = this.tracks();
    const { audio, audioField } = this.player;
    audio.innerHTML = "";
    tracks.forEach((track, index) => {
      const option = new Option(label(track) || language(track), String(index));
      option.lang = language(track);
      audio.append(option);
    });
    audioField.hidden = tracks.length < 2;
    if (tracks.length < 2) return;
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
    const byName = tracks.findIndex((t) => label(t) === choice.name && language(t) === choice.lang);
    if (byName >= 0) return byName;
    return tracks.findIndex((t) => language(t) === choice.lang && describesVideo(t) === Boolean(choice.describes));
  }

  current() {
    const { hls } = this.player;
    if (hls) return hls.audioTrack;
    return this.tracks().findIndex((t) => t.enabled);
  }

  select(index, remember) {
    const tracks = this.tracks();
    const track = tracks[index];
    if (!track) return;
    const { hls } = this.player;
    if (hls) {
      hls.audioTrack = index;
    } else {
      tracks.forEach((t, i) => {
        t.enabled = i === index;
      });
      this.show();
    }
    if (remember) {
      const choice = { name: label(track), lang: language(track), describes: describesVideo(track) };
      try {
        window.localStorage.setItem(AUDIO_CHOICE_KEY, JSON.stringify(choice));
      } catch {
        // Private browsing may refuse storage: the choice holds for this film only.
      }
    }
  }

  show() {
    // What plays now, for people and tests alike: the menu and a data attribute.
    const index = this.current();
    const track = this.tracks()[index];
    this.player.audio.value = String(index);
    this.player.root.dataset.audioTrack = track ? `${language(track)}:${label(track)}` : "";
  }
}

// Live status of a title's media while it is processed: polls a small JSON endpoint every
// few seconds while anything is in progress, and once more when an upload completes.
import { api } from "./media-common.js";

class MediaStatus {
  constructor(root) {
    this.root = root;
    this.url = root.dataset.mediaStatus;
    this.timer = null;
    document.addEventListener("upload:complete", () => this.poll());
    if (root.dataset.inProgress === "true") this.schedule();
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.poll(), 3000);
  }

  async poll() {
    clearTimeout(this.timer);
    let data;
    try {
      data = await api("GET", this.url);
    } catch (error) {
      this.schedule();
      return;
    }
    const badge = document.querySelector("[data-title-status]");
    if (badge) badge.textContent = data.title_status_label;
    for (const asset of data.assets) this.draw(asset);
    const audioFiles = data.audio_files || [];
    this.drawAudioFiles(audioFiles);
    if ([...data.assets, ...audioFiles].some((asset) => asset.in_progress)) this.schedule();
  }

  // Separately uploaded audio files: one item each, a file just uploaded added from the
  // template, a deleted one removed.
  drawAudioFiles(files) {
    const box = document.querySelector("[data-audio-files-box]");
    const list = box && box.querySelector("[data-audio-files]");
    const template = box && box.querySelector("template[data-audio-file-template]");
    if (!list || !template) return;
    const shown = new Set(files.map((file) => String(file.id)));
    for (const item of list.querySelectorAll("[data-audio-file]")) {
      if (!shown.has(item.dataset.audioFile)) item.remove();
    }
    for (const file of files) {
      let item = list.querySelector(`[data-audio-file="${file.id}"]`);
      if (!item) {
        item = template.content.firstElementChild.cloneNode(true);
        item.dataset.audioFile = String(file.id);
        list.append(item);
      }
      this.drawAudioFile(item, file);
    }
    box.hidden = !files.length;
  }

  drawAudioFile(item, file) {
    const set = (name, text) => {
      item.querySelectorAll(`[data-field="${name}"]`).forEach((node) => {
        node.textContent = text ?? "";
      });
    };
    set("filename", file.filename);
    set("status_label", file.status_label);
    set("progress_text", `${file.progress} %`);
    const bar = item.querySelector('[data-field="progress"]');
    if (bar) bar.value = file.progress;
    item.querySelector('[data-field-box="progress"]').hidden = !file.in_progress;
    const error = item.querySelector('[data-field="error"]');
    error.hidden = !file.error;
    error.textContent = file.error || "";
    const form = item.querySelector("[data-delete-form]");
    if (form && file.delete_url) form.action = file.delete_url;
    const retry = item.querySelector("[data-retry-form]");
    if (retry) {
      retry.hidden = !file.retry_url;
      if (file.retry_url) retry.action = file.retry_url;
    }
  }

  draw(asset) {
    const panel = this.root.querySelector(`[data-asset-panel="${asset.kind}"]`);
    if (!panel) return;
    panel.hidden = false;
    const set = (name, text) => {
      const node = panel.querySelector(`[data-field="${name}"]`);
      if (node) node.textContent = text ?? "";
    };
    set("filename", asset.filename);
    set("status_label", asset.status_label);
    const bar = panel.querySelector('[data-field="progress"]');
    if (bar) bar.value = asset.progress;
    set("progress_text", `${asset.progress} %`);
    panel.querySelector('[data-field-box="progress"]').hidden = !asset.in_progress;
    const error = panel.querySelector('[data-field="error"]');
    error.hidden = !asset.error;
    error.textContent = asset.error || "";
    const probe = panel.querySelector('[data-field-box="probe"]');
    const facts = asset.probe || {};
    probe.hidden = !facts.width;
    if (facts.width) {
      if (facts.duration_text) set("duration", facts.duration_text);
      const rate = facts.frame_rate_text ? `, ${facts.frame_rate_text}` : "";
      set("picture", `${facts.width} × ${facts.height}${rate}`);
      set("video_codec", facts.video_codec || "–");
      set("audio_tracks", String((facts.audio_tracks || []).length));
    }
    const table = panel.querySelector('[data-field-box="renditions"]');
    table.hidden = !asset.renditions.length;
    const body = table.querySelector("tbody");
    body.replaceChildren(
      ...asset.renditions.map((rendition) => {
        const row = document.createElement("tr");
        const progress = `${rendition.progress} %`;
        for (const [text, numeric] of [[rendition.name], [rendition.status_label], [progress, 1]]) {
          const cell = document.createElement("td");
          cell.textContent = text;
          if (numeric) cell.className = "num";
          row.append(cell);
        }
        return row;
      }),
    );
  }
}


document.querySelectorAll("[data-media-status]").forEach((root) => new MediaStatus(root));

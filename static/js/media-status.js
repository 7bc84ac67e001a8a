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
    if (data.assets.some((asset) => asset.in_progress)) this.schedule();
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

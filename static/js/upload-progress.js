// An upload's progress bar and its "42 % · 12 MB/s · 3 min left" line.

import { MSG, bytesText, durationText, fill, percentText } from "./media-common.js";

const SPEED_WINDOW_MS = 15000;

class ProgressView {
  constructor(bar, stats, announce) {
    this.bar = bar;
    this.stats = stats;
    this.announce = announce;
    this.samples = null;
    this.sent = 0;
    this.lastDecile = -1;
  }

  // A new file: the live region starts announcing from the beginning again.
  reset() {
    this.lastDecile = -1;
  }

  // A new run of sends (start or resume): speed is measured from now.
  begin() {
    this.sent = 0;
    this.samples = [[performance.now(), 0]];
  }

  addSent(bytes) {
    this.sent += bytes;
  }

  // Bytes per second over the last SPEED_WINDOW_MS (0 until half a second has passed).
  speed() {
    const now = performance.now();
    this.samples.push([now, this.sent]);
    while (this.samples.length > 2 && now - this.samples[0][0] > SPEED_WINDOW_MS) {
      this.samples.shift();
    }
    const [firstAt, firstSent] = this.samples[0];
    const elapsed = (now - firstAt) / 1000;
    return elapsed > 0.5 ? (this.sent - firstSent) / elapsed : 0;
  }

  // confirmed: bytes storage holds; inFlight: bytes of parts on their way.
  draw({ running, confirmed, inFlight, total, notice }) {
    if (!this.samples) return;
    const bytes = confirmed + inFlight;
    const fraction = Math.min(1, bytes / total);
    this.bar.value = Math.floor(fraction * 1000) / 10;
    this.bar.setAttribute("aria-valuetext", percentText(fraction));
    const speed = this.speed();
    if (running && notice) {
      this.stats.textContent = `${percentText(fraction)} · ${notice}`;
    } else if (running && speed > 0) {
      this.stats.textContent = fill(MSG.stats, {
        percent: percentText(fraction),
        speed: bytesText(speed),
        left: durationText((total - bytes) / speed),
      });
    } else {
      this.stats.textContent = fill(MSG.progress, { percent: percentText(fraction) });
    }
    // The live region speaks at every tenth of what storage confirmed (parts in flight may
    // still fail), and stays on a retry notice until every failing part gets through.
    const decile = Math.floor((confirmed / total) * 10);
    if (running && !notice && decile > this.lastDecile) {
      this.lastDecile = decile;
      this.announce(fill(MSG.progress, { percent: percentText(decile / 10) }));
    }
  }

  // A settled state: empty (cancelled) or whole (complete).
  show(fraction) {
    this.bar.value = fraction * 100;
    this.stats.textContent = fraction ? fill(MSG.progress, { percent: percentText(fraction) }) : "";
  }
}

export { ProgressView };

// Resumable uploads of films and trailers, straight to storage.
//
// The app signs each part with its CRC32; parts go straight to storage (S3) or to the app's
// signed part route (local storage), several at a time. A failed part is retried with
// exponential backoff, a damaged one read and sent again. The session id is remembered per
// title, kind and file: after a reload or a lost connection the server is asked which parts
// arrived and only the others are sent. When storage has lost the unfinished upload, or its
// CORS rules refuse the browser (both look like a network error here), the app is asked
// what is wrong: a lost upload is offered a fresh start of the same file.

import { MSG, HttpError, apiWithRetry, fill, percentText, retryable } from "./media-common.js";
import { diagnose, markLost } from "./upload-faults.js";
import { PartSigner, Stopped, preparePart, readAhead, sendPart } from "./upload-parts.js";
import { ProgressView } from "./upload-progress.js";

const DRAW_EVERY_MS = 250;

class Uploader {
  constructor(root) {
    this.root = root;
    this.kind = root.dataset.kind;
    this.openUrl = root.dataset.openUrl;
    this.parallel = Math.max(1, Number(root.dataset.parallel) || 4);
    this.urlLifetimeMs = Math.max(60, Number(root.dataset.urlExpires) || 3600) * 800;
    this.input = root.querySelector("[data-file]");
    this.buttons = {
      start: root.querySelector("[data-start]"),
      pause: root.querySelector("[data-pause]"),
      resume: root.querySelector("[data-resume]"),
      cancel: root.querySelector("[data-cancel]"),
      restart: root.querySelector("[data-restart]"),
    };
    this.progressBox = root.querySelector("[data-progress-box]");
    this.live = root.querySelector("[data-live]");
    this.view = new ProgressView(
      root.querySelector("[data-progress]"),
      root.querySelector("[data-stats]"),
      (text) => { root.querySelector("[data-live-progress]").textContent = text; },
    );
    this.state = "idle"; // idle | running | paused | completing | done | lost
    this.xhrs = new Map();

    this.buttons.start.addEventListener("click", () => this.start());
    this.buttons.pause.addEventListener("click", () => this.pause(MSG.paused));
    this.buttons.resume.addEventListener("click", () => this.resume());
    this.buttons.cancel.addEventListener("click", () => this.cancel());
    this.buttons.restart.addEventListener("click", () => this.restart());
    window.addEventListener("online", () => {
      if (this.state === "paused" && this.pausedByNetwork) this.resume();
    });
    window.addEventListener("offline", () => {
      if (this.state === "running") this.announce(MSG.offline);
    });
    window.addEventListener("beforeunload", (event) => {
      if (this.state === "running" || this.state === "completing") {
        event.preventDefault();
        event.returnValue = MSG.leave;
      }
    });
    this.showButtons();
  }

  storageKey(file) {
    const parts = [this.root.dataset.titleKey, this.kind, file.name, file.size, file.lastModified];
    return `storefront-upload:${parts.join(":")}`;
  }

  // Forget every remembered key of this session (a re-picked file may differ in lastModified).
  forget(sessionId) {
    const prefix = `storefront-upload:${this.root.dataset.titleKey}:${this.kind}:`;
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith(prefix) && localStorage.getItem(key) === sessionId) {
        localStorage.removeItem(key);
      }
    }
    localStorage.removeItem(this.key);
  }

  announce(text) {
    this.live.textContent = text;
  }

  showButtons() {
    const { state } = this;
    this.buttons.start.hidden = !(state === "idle" || state === "done");
    this.buttons.pause.hidden = state !== "running";
    this.buttons.resume.hidden = state !== "paused";
    this.buttons.cancel.hidden = !(state === "running" || state === "paused");
    this.buttons.restart.hidden = state !== "lost";
    this.input.disabled = !(state === "idle" || state === "done" || state === "lost");
    this.progressBox.hidden = state === "idle" || state === "lost";
  }

  setState(state) {
    this.state = state;
    this.showButtons();
  }

  sessionUrl(suffix = "") {
    return `${this.openUrl}/${this.session.id}${suffix}`;
  }

  isLive() {
    return this.state === "running" || this.state === "completing";
  }

  expectedSize(number) {
    const { part_size: size, part_count: count } = this.session;
    return number < count ? size : this.session.size - size * (count - 1);
  }

  // --- starting and resuming ---------------------------------------------------------

  async start(picked) {
    const file = picked || (this.input.files && this.input.files[0]);
    if (!file) {
      this.announce(MSG.choose_file);
      this.input.focus();
      return;
    }
    this.file = file;
    this.session = null;
    this.key = this.storageKey(file);
    this.view.reset();
    this.setState("running");
    this.announce(MSG.starting);
    this.early = readAhead(this, file);
    try {
      const resumable = await this.findResumable(file);
      if (resumable) {
        this.session = resumable;
        localStorage.setItem(this.key, resumable.id);
      } else {
        this.session = await apiWithRetry("POST", this.openUrl, {
          kind: this.kind,
          filename: file.name,
          size: file.size,
          content_type: file.type || "application/octet-stream",
        });
        localStorage.setItem(this.key, this.session.id);
      }
      this.root.dataset.activeSession = this.session.id;
      this.signer = new PartSigner(this.sessionUrl("/sign"), this.urlLifetimeMs, () =>
        this.isLive(),
      );
      this.markArrived(this.session.parts || []);
      if (resumable) {
        this.announce(fill(MSG.resuming, { percent: percentText(this.doneBytes / file.size) }));
      }
      this.run();
    } catch (error) {
      this.stop(error);
    }
  }

  async findResumable(file) {
    let id = localStorage.getItem(this.key);
    const active = this.root.dataset;
    if (!id && active.activeSession) {
      if (active.activeName === file.name && Number(active.activeSize) === file.size) {
        id = active.activeSession;
      } else {
        this.announce(MSG.different_file);
      }
    }
    if (!id) return null;
    try {
      const session = await apiWithRetry("GET", `${this.openUrl}/${id}`);
      if (session.status === "active" && session.size === file.size) return session;
    } catch (error) {
      if (retryable(error)) throw error;
    }
    localStorage.removeItem(this.key);
    return null;
  }

  markArrived(parts) {
    this.done = new Set();
    this.doneBytes = 0;
    for (const part of parts) {
      if (part.number <= this.session.part_count && part.size === this.expectedSize(part.number)) {
        this.done.add(part.number);
        this.doneBytes += part.size;
      }
    }
  }

  run() {
    this.generation = (this.generation || 0) + 1;
    this.retryNotice = null;
    this.retrying = new Set(); // parts being retried: the notice stays until all get through
    this.setState("running");
    this.pausedByNetwork = false;
    this.pending = [];
    for (let n = 1; n <= this.session.part_count; n += 1) {
      if (!this.done.has(n)) this.pending.push(n);
    }
    this.inflight = new Map();
    this.view.begin();
    this.render();
    if (!this.pending.length) {
      this.complete();
      return;
    }
    const workers = Math.min(this.parallel, this.pending.length);
    for (let i = 0; i < workers; i += 1) this.work(this.generation);
  }

  // A worker of an earlier run (before a pause) must not carry on after a resume.
  current(generation) {
    return this.state === "running" && generation === this.generation;
  }

  // Each worker reads, checksums and has signed its next part while the last one is sent,
  // so that storage is kept busy. (A part taken this way and not sent because of a pause is
  // not lost: a resume asks storage what arrived and sends all the rest.)
  async work(generation) {
    let next = null;
    const takeNext = () => {
      const number = next || !this.current(generation) ? undefined : this.pending.shift();
      if (number === undefined) return;
      next = { number, ready: preparePart(this, number) };
      next.ready.catch(() => {}); // met again, and handled, when the part's turn comes
    };
    while (this.current(generation)) {
      const { number, ready } = next || { number: this.pending.shift() };
      next = null;
      if (number === undefined) break;
      try {
        await sendPart(this, number, generation, ready, takeNext);
        this.retrying.delete(number);
        if (!this.retrying.size) this.retryNotice = null;
        this.done.add(number);
        this.doneBytes += this.expectedSize(number);
        this.render();
      } catch (error) {
        if (generation !== this.generation) return;
        this.pending.unshift(number);
        if (!(error instanceof Stopped)) this.pause(fill(MSG.lost, { reason: error.message }), true);
        return;
      }
    }
    if (this.current(generation) && this.done.size === this.session.part_count) {
      this.complete();
    }
  }

  // --- progress --------------------------------------------------------------------------

  // A few times a second, not at every progress event: each drawing of the bar and its line
  // is style, layout and paint work, at every frame for the whole of a long upload.
  render() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    const wait = Math.max(0, (this.drawnAt || 0) + DRAW_EVERY_MS - performance.now());
    setTimeout(() => {
      requestAnimationFrame(() => {
        this.renderQueued = false;
        this.draw();
      });
    }, wait);
  }

  draw() {
    this.drawnAt = performance.now();
    let inFlight = 0;
    for (const loaded of (this.inflight || new Map()).values()) inFlight += loaded;
    this.view.draw({
      running: this.state === "running",
      confirmed: this.doneBytes || 0,
      inFlight,
      total: this.session ? this.session.size : 1,
      notice: this.retryNotice,
    });
  }

  // --- pause, resume, cancel, complete ------------------------------------------------------

  pause(message, byNetwork = false) {
    if (this.state !== "running") return;
    this.setState("paused");
    this.pausedByNetwork = byNetwork;
    for (const xhr of this.xhrs.values()) xhr.abort();
    this.announce(message);
    this.draw();
  }

  resume() {
    if (this.state !== "paused") return;
    this.announce(MSG.starting);
    this.setState("running");
    // Ask storage what arrived: a part cut off mid-way is sent again.
    apiWithRetry("GET", this.sessionUrl())
      .then((session) => {
        if (session.status === "lost") {
          this.lost(session.message);
          return;
        }
        if (session.status !== "active") {
          // Finished or cancelled from another tab: nothing is left to send.
          this.forget(session.id);
          this.setState(session.status === "completed" ? "done" : "idle");
          this.announce(session.status === "completed" ? MSG.complete : MSG.cancelled);
          return;
        }
        this.session = session;
        if (session.problem) {
          this.setState("paused");
          this.announce(session.problem);
          return;
        }
        this.markArrived(session.parts || []);
        this.run();
      })
      .catch((error) => {
        // The app no longer has the session (swept as abandoned): start afresh.
        if (error instanceof HttpError && error.status === 404) this.lost();
        else this.stop(error);
      });
  }

  // Ask the app what is wrong (see upload-faults.js); true when the upload cannot go on.
  diagnose() {
    return diagnose(this);
  }

  lost(message) {
    markLost(this, message);
  }

  // One click: the same file (or the one picked since) from the beginning.
  restart() {
    const picked = this.input.files && this.input.files[0];
    this.start(picked || this.file);
  }

  async cancel() {
    if (!window.confirm(MSG.confirm_cancel)) return;
    const wasLive = this.state;
    this.setState("idle");
    for (const xhr of this.xhrs.values()) xhr.abort();
    try {
      if (this.session) await apiWithRetry("DELETE", this.sessionUrl());
    } catch (error) {
      if (!(error instanceof HttpError && error.status === 404)) {
        this.setState(wasLive === "running" ? "paused" : wasLive);
        this.announce(error.message);
        return;
      }
    }
    if (this.session) this.forget(this.session.id);
    delete this.root.dataset.activeSession;
    this.session = null;
    this.view.show(0);
    this.announce(MSG.cancelled);
  }

  async complete() {
    if (this.state !== "running") return;
    this.setState("completing");
    this.announce(MSG.finishing);
    try {
      await apiWithRetry("POST", this.sessionUrl("/complete"), undefined, () => this.isLive());
    } catch (error) {
      if (error instanceof HttpError && error.reason === "upload_lost") {
        this.state = "paused";
        this.resume(); // the app marks it lost and says so
        return;
      }
      if (error instanceof HttpError && error.status === 409 && !this.recheckedOnce) {
        // Storage is missing something: ask what arrived and send the rest.
        this.recheckedOnce = true;
        this.state = "paused";
        this.resume();
        return;
      }
      this.state = "running";
      this.stop(error);
      return;
    }
    this.forget(this.session.id);
    delete this.root.dataset.activeSession;
    this.recheckedOnce = false;
    this.setState("done");
    this.input.value = "";
    this.view.show(1);
    this.announce(this.kind === "audio" ? MSG.complete_audio : MSG.complete);
    document.dispatchEvent(new CustomEvent("upload:complete", { detail: { kind: this.kind } }));
  }

  stop(error) {
    if (!this.session) {
      // Nothing was opened (refused, or storage unreachable): there is nothing to resume.
      this.setState("idle");
      this.announce(error.message);
      return;
    }
    if (this.state === "running" || this.state === "completing") {
      this.state = "running";
      this.pause(fill(MSG.lost, { reason: error.message }), retryable(error));
    } else {
      this.announce(error.message);
    }
  }
}

document.querySelectorAll("[data-uploader]").forEach((root) => new Uploader(root));

// Sending one part of an upload: read it, checksum it, have the app sign it, PUT it.
//
// Every part carries its CRC32 (SheetJS crc-32, computed in a worker: upload-checksum.js),
// which the part's signature covers: storage refuses bytes damaged or changed on the way (400)
// and the uploader sends the part again. Parts are signed just before they are sent;
// requests made in the same turn, or while one is on its way, are batched together.
//
// The bytes read for the checksum (by the worker) are not what is sent: the PUT's body is the
// file's own slice, which the browser streams from disk. Sending a copy of the bytes would make
// the page copy each part again on its only thread (about 0.1 s per 8 MiB) while the other parts
// wait. Should the file change on disk meanwhile, the browser refuses to read the slice, and
// the checksum would catch any other difference.

import { HttpError, MSG, apiWithRetry, backoff, fill, retryable, sleep } from "./media-common.js";
import { partChecksum } from "./upload-checksum.js";

const SIGN_BATCH = 20;
const MAX_PART_ATTEMPTS = 8;

class Stopped extends Error {}

// The part's slice of the file (a Blob, to be sent) and the CRC32 of its bytes.
async function readPart(file, start, size) {
  const blob = file.slice(start, start + size);
  return { blob, checksum: await partChecksum(blob) };
}

class PartSigner {
  constructor(signUrl, lifetimeMs, isLive) {
    this.signUrl = signUrl;
    this.lifetimeMs = lifetimeMs;
    this.isLive = isLive;
    this.queue = [];
    this.busy = false;
    this.signed = new Map();
  }

  // A signed PUT ({url, headers}) for the part with this checksum.
  sign(number, checksum) {
    const cached = this.signed.get(number);
    if (
      cached &&
      cached.checksum === checksum &&
      performance.now() - cached.at < this.lifetimeMs
    ) {
      return Promise.resolve(cached);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ number, checksum, resolve, reject });
      // Parts asked for in the same turn (the first ones, read while the session opened) go
      // in one request, rather than the first alone and the others after its answer.
      if (!this.soon) {
        this.soon = setTimeout(() => {
          this.soon = null;
          this.flush();
        });
      }
    });
  }

  // An expired or refused signature is asked for again next time.
  forget(number) {
    this.signed.delete(number);
  }

  async flush() {
    if (this.busy || !this.queue.length) return;
    this.busy = true;
    const batch = this.queue.splice(0, SIGN_BATCH);
    const parts = batch.map(({ number, checksum }) => ({ number, crc32: checksum }));
    try {
      const data = await apiWithRetry("POST", this.signUrl, { parts }, this.isLive);
      const at = performance.now();
      for (const item of batch) {
        const signed = data?.parts?.[String(item.number)];
        if (!signed) {
          item.reject(new Error(MSG.server_error));
          continue;
        }
        const entry = { ...signed, checksum: item.checksum, at };
        this.signed.set(item.number, entry);
        item.resolve(entry);
      }
    } catch (error) {
      for (const item of batch) item.reject(error);
    } finally {
      this.busy = false;
      this.flush();
    }
  }
}

// PUT `blob` as signed, reporting progress through onProgress(loadedBytes).
function putPart(signed, blob, register, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const done = register(xhr);
    xhr.open("PUT", signed.url);
    for (const [name, value] of Object.entries(signed.headers || {})) {
      xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      done();
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new HttpError(`HTTP ${xhr.status}`, xhr.status));
    };
    xhr.onerror = () => {
      done();
      reject(new Error(MSG.network));
    };
    xhr.onabort = () => {
      done();
      reject(new Stopped());
    };
    xhr.send(blob);
  });
}

// --- one part of an uploader's run (`up` is the Uploader) --------------------------------

// The first parts of a new upload of `file` (none when one may be resumed), read and
// checksummed while the app opens the session, so that the first PUTs need not wait for
// both one after the other. They are read at the store's usual part size (data-part-size);
// the app decides the session's own, and should it differ (a file too large for that
// many parts) preparePart reads its parts as usual.
function readAhead(up, file) {
  if (localStorage.getItem(up.key) || up.root.dataset.activeSession) return null;
  const partSize = Number(up.root.dataset.partSize);
  if (!partSize) return null;
  const early = new Map();
  for (let start = 0; start < file.size && early.size < up.parallel; start += partSize) {
    const size = Math.min(partSize, file.size - start);
    const read = readPart(file, start, size);
    read.catch(() => {}); // met again, and handled, by preparePart
    early.set(`${start}:${size}`, read);
  }
  return early;
}

// The part's slice of the file and its PUT, signed with the checksum of what it holds now.
async function preparePart(up, number) {
  const start = (number - 1) * up.session.part_size;
  const size = up.expectedSize(number);
  const early = up.early && up.early.get(`${start}:${size}`);
  if (early) up.early.delete(`${start}:${size}`); // a retry reads the part again
  const { blob, checksum } = await (early || readPart(up.file, start, size));
  return { blob, signed: await up.signer.sign(number, checksum) };
}

// `prepared`: the part read and signed beforehand; every retry reads it again.
// `sending()` is called as the part's PUT starts.
async function sendPart(up, number, generation, prepared, sending) {
  for (let attempt = 1; ; attempt += 1) {
    if (!up.current(generation)) throw new Stopped();
    try {
      const { blob, signed } = await (attempt === 1 && prepared ? prepared : preparePart(up, number));
      if (!up.current(generation)) throw new Stopped();
      sending();
      await putTracked(up, number, signed, blob);
      return;
    } catch (error) {
      if (error instanceof Stopped || !up.current(generation)) throw new Stopped();
      // 403: the signature expired; 400: storage found the bytes damaged. Both are
      // signed and sent again.
      const resend = error instanceof HttpError && [400, 403].includes(error.status);
      // 404/410: storage or the app no longer knows the upload. A part failing twice
      // like a network error may be storage refusing the browser (CORS) or a lost upload.
      const gone = error instanceof HttpError && [404, 410].includes(error.status);
      if ((gone || (attempt === 2 && retryable(error))) && (await up.diagnose())) {
        throw new Stopped();
      }
      if (resend) up.signer.forget(number);
      if (!retryable(error) && !resend) throw error;
      if (attempt >= MAX_PART_ATTEMPTS) throw error;
      const delay = backoff(attempt);
      up.retrying.add(number);
      up.retryNotice = fill(MSG.retrying, { seconds: Math.ceil(delay / 1000) });
      up.announce(up.retryNotice);
      up.render();
      await sleep(delay);
    }
  }
}

// The PUT, with its request kept (a pause aborts it) and its progress shown.
function putTracked(up, number, signed, blob) {
  let reported = 0;
  const register = (xhr) => {
    up.xhrs.set(number, xhr);
    return () => [up.xhrs, up.inflight].forEach((map) => map.delete(number));
  };
  return putPart(signed, blob, register, (loaded) => {
    if (loaded > reported) up.view.addSent(loaded - reported);
    reported = loaded;
    up.inflight.set(number, loaded);
    up.render();
  });
}

export { PartSigner, Stopped, preparePart, putPart, readAhead, readPart, sendPart };

// The CRC32 of each part, as S3 expects it (the big-endian 4 bytes, base64-encoded).
//
// A worker (upload-checksum-worker.js) reads the part and computes it, so the page's own thread
// stays free to start the next PUT, take storage's answers and draw the progress while parts
// are read. Where no worker can run (one refused or failing to start), the page reads and
// checksums the part itself, as it did before: every part carries its checksum either way.

class Checksums {
  constructor(workerUrl) {
    this.workerUrl = workerUrl;
    this.worker = undefined; // started at the first part; null: none can run here
    this.waiting = new Map();
    this.lastId = 0;
  }

  // The CRC32 (an unsigned number) of the bytes of `blob`.
  of(blob) {
    const worker = this.start();
    if (!worker) return crc32InPage(blob);
    this.lastId += 1;
    const id = this.lastId;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { blob, resolve, reject });
      worker.postMessage({ id, blob });
    });
  }

  start() {
    if (this.worker !== undefined) return this.worker;
    try {
      this.worker = new Worker(this.workerUrl);
    } catch {
      this.worker = null;
      return null;
    }
    this.worker.onmessage = ({ data }) => {
      const asked = this.waiting.get(data.id);
      if (!asked) return;
      this.waiting.delete(data.id);
      if (data.error === undefined) asked.resolve(data.value);
      else asked.reject(new Error(data.error)); // the file could not be read: sent again
    };
    // The worker could not start (its script refused or missing): the page does the work.
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.worker.terminate();
      this.worker = null;
      const asked = [...this.waiting.values()];
      this.waiting.clear();
      for (const { blob, resolve, reject } of asked) crc32InPage(blob).then(resolve, reject);
    };
    return this.worker;
  }
}

async function crc32InPage(blob) {
  return globalThis.CRC32.buf(new Uint8Array(await blob.arrayBuffer())) >>> 0;
}

// A CRC32 spelt as S3 expects it: the big-endian 4 bytes, base64-encoded.
function crc32Base64(value) {
  const raw = [24, 16, 8, 0].map((shift) => String.fromCharCode((value >>> shift) & 255));
  return btoa(raw.join(""));
}

const checksums = new Checksums(new URL("./upload-checksum-worker.js", import.meta.url));

// The CRC32 of `blob`'s bytes, base64-encoded as S3 expects it.
async function partChecksum(blob) {
  return crc32Base64(await checksums.of(blob));
}

export { crc32Base64, partChecksum };

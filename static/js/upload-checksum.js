// The CRC32 of an upload's part, computed off the page's thread.
//
// Reading an 8 MiB part and checksumming it (SheetJS crc-32, about 15 ms) on the page's
// thread delays the progress, the signing requests and the next PUTs on it. A dedicated
// worker (crc32-worker.js) is handed the part's slice (a Blob: a handle, not the bytes),
// reads it and answers with its CRC32. Should the worker not start (a browser or a policy
// refusing it), parts are read and checksummed on the page as before.

const WORKER_URL = new URL("./crc32-worker.js", import.meta.url);

let worker; // undefined until first needed; null once it could not start
let nextId = 0;
const waiting = new Map(); // id -> {blob, resolve, reject}

// The CRC32 of `blob`'s bytes, read and computed on the page.
async function onPage(blob) {
  return globalThis.CRC32.buf(new Uint8Array(await blob.arrayBuffer())) >>> 0;
}

function unavailable() {
  if (worker) worker.terminate();
  worker = null;
  const orphans = [...waiting.values()];
  waiting.clear();
  for (const { blob, resolve, reject } of orphans) onPage(blob).then(resolve, reject);
}

function started() {
  if (worker !== undefined) return worker;
  try {
    worker = new Worker(WORKER_URL, { name: "crc32" });
  } catch {
    worker = null;
    return worker;
  }
  worker.onmessage = ({ data }) => {
    const entry = waiting.get(data.id);
    if (!entry) return;
    waiting.delete(data.id);
    if (data.error) entry.reject(new DOMException(data.error.message, data.error.name));
    else entry.resolve(data.value);
  };
  // The script did not load or run (refused, missing): the page does the work.
  worker.onerror = (event) => {
    event.preventDefault();
    unavailable();
  };
  worker.onmessageerror = unavailable;
  return worker;
}

// The CRC32 (an unsigned 32-bit number) of the bytes `blob` holds.
function crc32Of(blob) {
  const thread = started();
  if (!thread) return onPage(blob);
  return new Promise((resolve, reject) => {
    const id = ++nextId;
    waiting.set(id, { blob, resolve, reject });
    thread.postMessage({ id, blob });
  });
}

export { crc32Of };

// The uploader's CRC32s (upload-checksum.js), off the page's thread: each message brings a
// part (the file's slice, a Blob) and an id; the worker reads the part, checksums it and
// answers with the id and the CRC32, or with the error reading it met.

importScripts("../vendor/crc32.js");

self.onmessage = async ({ data: { id, blob } }) => {
  try {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    self.postMessage({ id, value: self.CRC32.buf(bytes) >>> 0 });
  } catch (error) {
    self.postMessage({ id, error: { name: error.name, message: error.message } });
  }
};

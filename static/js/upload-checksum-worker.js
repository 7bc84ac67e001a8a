// Reads one part of the file being uploaded and computes its CRC32, off the page's thread.
//
// The page posts {id, blob} and hears back {id, value} (the CRC32, unsigned) or {id, error}.
// The part is read as a stream of small pieces, the CRC carried from one to the next, so no
// copy of a whole part (8 MiB and more) is ever made: less memory and less garbage to collect
// than reading it into one buffer, with the same result.

importScripts("../vendor/crc32.js"); /* global CRC32 */

self.onmessage = async ({ data: { id, blob } }) => {
  try {
    const reader = blob.stream().getReader();
    let crc = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      crc = CRC32.buf(value, crc);
    }
    self.postMessage({ id, value: crc >>> 0 });
  } catch (error) {
    self.postMessage({ id, error: String((error && error.message) || error) });
  }
};

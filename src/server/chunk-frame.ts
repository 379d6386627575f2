/**
 * HTTP/1.1 chunked framing (RFC 9112 section 7.1) of one write: `<size in hex>\r\n<bytes>\r\n`,
 * in ONE buffer, so a delivery is one `write` of one iovec instead of the four node:http's
 * `res.write` hands to `writev` (size, CRLF, bytes, CRLF).
 *
 * The frame depends only on the bytes, so a fan-out that sends the same `Uint8Array` to every
 * stream frames it once and every socket writes the same `Buffer`: the last input and its frame
 * are kept (one entry: the streams of one flush all ask for the same bytes one after the other).
 * Callers must not mutate bytes they handed over (the `sendBytes` contract), which is what makes
 * identity a safe key.
 */
let lastBytes: Uint8Array | undefined;
let lastFrame: Buffer | undefined;

const CR = 13;
const LF = 10;

/** `bytes` must not be empty: a zero-size chunk ends the body. */
export function chunkFrame(bytes: Uint8Array): Buffer {
  if (bytes === lastBytes && lastFrame !== undefined) return lastFrame;
  const size = bytes.byteLength.toString(16);
  const headBytes = size.length + 2;
  const frame = Buffer.allocUnsafe(headBytes + bytes.byteLength + 2);
  frame.write(size, 0, 'latin1');
  frame[size.length] = CR;
  frame[size.length + 1] = LF;
  frame.set(bytes, headBytes);
  frame[headBytes + bytes.byteLength] = CR;
  frame[headBytes + bytes.byteLength + 1] = LF;
  lastBytes = bytes;
  lastFrame = frame;
  return frame;
}

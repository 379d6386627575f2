import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/**
 * Reads a form-encoded body, counting bytes as they stream in: a body over `maxBytes` is refused
 * (413) as soon as it crosses the limit, never buffered whole first.
 */
export async function readFormBody(req: IncomingMessage, maxBytes: number): Promise<URLSearchParams> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let sizeBytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    sizeBytes += chunk.length;
    if (sizeBytes > maxBytes) {
      req.resume();
      throw tooLarge(maxBytes);
    }
    chunks.push(chunk);
  }
  return parseForm(Buffer.concat(chunks), req.headers['content-type']);
}

/** Same limit for a Fetch `Request` body. */
export async function readFormBodyFromStream(
  body: ReadableStream<Uint8Array> | null,
  contentType: string | null,
  maxBytes: number,
): Promise<URLSearchParams> {
  const chunks: Uint8Array[] = [];
  let sizeBytes = 0;
  if (body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      sizeBytes += value.byteLength;
      if (sizeBytes > maxBytes) {
        await reader.cancel();
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  }
  return parseForm(Buffer.concat(chunks), contentType ?? undefined);
}

function parseForm(bytes: Buffer, contentType: string | undefined): URLSearchParams {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be application/x-www-form-urlencoded');
  }
  return new URLSearchParams(bytes.toString('utf8'));
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'BODY_TOO_LARGE', `the request body is larger than ${maxBytes} bytes`);
}

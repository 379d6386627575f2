import type { Exchange } from '../transports/index.js';
import { HttpError } from './errors.js';
import { assertFormEncoding } from './form-encoding.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a form-encoded body, counting bytes as they stream in: a body over `maxBytes` is refused
 * (413) as soon as it crosses the limit, never buffered whole first. A body that is not UTF-8, or
 * whose percent-encoding is malformed or not UTF-8, is refused (400), never read with U+FFFD.
 */
export async function readForm(exchange: Exchange, maxBytes: number): Promise<URLSearchParams> {
  const mediaType = (exchange.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const bytes = await exchange.readBody(maxBytes);
  if (bytes === undefined) {
    throw new HttpError(413, 'BODY_TOO_LARGE', `the request body is larger than ${maxBytes} bytes`);
  }
  if (mediaType !== 'application/x-www-form-urlencoded') {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the body must be application/x-www-form-urlencoded');
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new HttpError(400, 'ENCODING_INVALID', 'the request body is not valid UTF-8');
  }
  assertFormEncoding(text, 'body');
  return new URLSearchParams(text);
}

import type { Exchange } from '../transports/index.js';
import { HttpError } from './errors.js';

/**
 * Reads a form-encoded body, counting bytes as they stream in: a body over `maxBytes` is refused
 * (413) as soon as it crosses the limit, never buffered whole first.
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
  return new URLSearchParams(new TextDecoder().decode(bytes));
}

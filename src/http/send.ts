import type { ServerResponse } from 'node:http';
import { AuthError, SelectorError } from '../hub/errors.js';
import { PublishError } from '../hub/publish-error.js';
import { HttpError } from './errors.js';

/** Maps the stable error codes of every layer to a status and a message the client can act on. */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof PublishError) {
    const status = error.code === 'TOPIC_RESERVED' ? 403 : error.code === 'FIELD_TOO_LARGE' ? 413 : 400;
    return new HttpError(status, error.code, error.message);
  }
  if (error instanceof SelectorError) {
    return new HttpError(400, error.code, `invalid "${error.field}" selector: ${error.message}`);
  }
  if (error instanceof AuthError) {
    if (error.code === 'FORBIDDEN') {
      return new HttpError(403, error.code, error.message, {
        'www-authenticate': 'Bearer error="insufficient_scope"',
      });
    }
    // RFC 6750 §3.1: no error code when no token was presented; `invalid_token` otherwise, whatever
    // the reason (not disclosing why validation failed).
    const challenge = error.code === 'TOKEN_MISSING' ? 'Bearer' : 'Bearer error="invalid_token"';
    return new HttpError(401, error.code, error.message, { 'www-authenticate': challenge });
  }
  return undefined;
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json',
): void {
  res.writeHead(status, { ...headers, 'content-type': `${contentType}; charset=utf-8` });
  res.end(JSON.stringify(body));
}

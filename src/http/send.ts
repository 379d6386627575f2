import { AuthError, isStoreError, PublishError, SelectorError } from '../hub/index.js';
import type { Exchange } from '../transports/index.js';
import { HttpError } from './errors.js';

/** Maps the stable error codes of every layer to a status and a message the client can act on. */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof PublishError) {
    // Mercure §Publication: a field over its length limit, or more `topic` fields than the hub takes,
    // is 413 ("Requests exceeding any such limit MUST be rejected with a 413"); everything else,
    // the reserved namespace and `*` included, is 400 "regardless of the presented access token".
    const isTooLarge = error.code === 'FIELD_TOO_LARGE' || error.code === 'TOO_MANY_TOPICS';
    return new HttpError(isTooLarge ? 413 : 400, error.code, error.message);
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
  // A store that cannot take the write (disk full, database locked, Redis down) is a temporary
  // condition: 503 tells the client to retry, where a 500 would read as a bug. Nothing was
  // acknowledged, and nothing was delivered (fan-out only follows a successful append).
  if (isStoreError(error) && error.code === 'UNAVAILABLE') {
    return new HttpError(503, 'STORE_UNAVAILABLE', 'the event store is unavailable; retry later', {
      'retry-after': '1',
    });
  }
  // The store or broker was closed under the request: the hub is shutting down. Nothing was
  // acknowledged; the publisher retries (with its id, a retry is recognised) on the next instance.
  if (isStoreError(error) && error.code === 'CLOSED') return shuttingDownError();
  return undefined;
}

/**
 * 503 for a request that raced the hub's shutdown (a publication after `close()` began, or one
 * whose store closed under it): never a 500, and never a 200 for an event that was not stored.
 */
export function shuttingDownError(): HttpError {
  return new HttpError(503, 'SHUTTING_DOWN', 'the hub is shutting down; retry later', {
    'retry-after': '1',
  });
}

/**
 * A malformed token presentation (draft-08 §Error Responses: "When the malformed element is the
 * access token or its presentation, the response MUST carry a WWW-Authenticate: Bearer challenge
 * with error=\"invalid_request\""): 400.
 */
export function tokenPresentationError(message: string): HttpError {
  return new HttpError(400, 'TOKEN_PRESENTATION_INVALID', message, {
    'www-authenticate': 'Bearer error="invalid_request"',
  });
}

// No `Connection`/`Transfer-Encoding` here or anywhere: both are illegal on HTTP/2, and the
// HTTP/1.1 server adds what it needs itself.

/** A complete `text/plain` answer. */
export function sendText(
  exchange: Exchange,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  exchange.respond(status, { ...headers, 'content-type': 'text/plain; charset=utf-8' }, body);
}

/** A complete JSON answer; `contentType` for JSON-based types (`application/ld+json`). */
export function sendJson(
  exchange: Exchange,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json',
): void {
  exchange.respond(
    status,
    { ...headers, 'content-type': `${contentType}; charset=utf-8` },
    JSON.stringify(body),
  );
}

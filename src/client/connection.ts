import type { ConnectionErrorCode } from './events.js';

/** Everything one connection attempt needs; built fresh by the EventSource for each attempt. */
export interface ConnectionRequest {
  url: string;
  headers: Record<string, string>;
  credentials: RequestCredentials;
  signal: AbortSignal;
  fetch: typeof fetch;
  now: () => number;
}

/**
 * What a transport reports to the EventSource, which owns all state (readyState, last event id,
 * timers). Transports stay dumb: they fetch, read, and call these. After the attempt's signal is
 * aborted, the EventSource ignores every call.
 */
export interface ConnectionHandlers {
  /** Response headers arrived; `serverMs`/`precisionMs` feed the clock-offset estimate. */
  responded(response: Response, requestStartMs: number, serverMs: number, precisionMs: number): void;
  /** The response is acceptable: announce the connection. */
  open(): void;
  /** Raw bytes of an event stream. */
  chunk(bytes: Uint8Array): void;
  /** A polled event. */
  message(type: string, data: string, id: string): void;
  retry(retryMs: number): void;
  /** A poll response's new cursor. */
  cursor(lastEventId: string): void;
  /** The `Last-Event-ID` header of an acceptable event-stream response (before `open`). */
  responseCursor(lastEventId: string): void;
  /** A poll completed; the EventSource schedules the next one. */
  polled(): void;
  /**
   * Reestablish the connection (the standard's wording): network error, end of stream, or a poll
   * answered with a temporary status (`status`; `retryAfterMs` from its `Retry-After`).
   */
  lost(code: ConnectionErrorCode, cause?: unknown, status?: number, retryAfterMs?: number): void;
  /** Fail the connection: no reconnection. */
  fail(code: ConnectionErrorCode, status?: number, cause?: unknown): void;
}

export function requestInit(request: ConnectionRequest, accept: string): RequestInit {
  return {
    headers: { ...request.headers, accept },
    credentials: request.credentials,
    mode: 'cors',
    // The standard sets the request's cache mode to "no-store"; the header says it to proxies too.
    cache: 'no-store',
    signal: request.signal,
  };
}

/** The `Date` header in ms (NaN when absent or unreadable, e.g. not exposed cross-origin). */
export function dateHeaderMs(response: Response): number {
  const date = response.headers.get('date');
  return date === null ? Number.NaN : Date.parse(date);
}

/** Frees the socket of a response we will not read. */
export function discardBody(response: Response): void {
  response.body?.cancel().catch(() => {});
}

/** What a message event carries, whichever transport delivered it. */
export interface MessageInit {
  data: string;
  lastEventId: string;
  origin: string;
}

/** Stand-in for runtimes without a global `MessageEvent`. */
class PlainMessageEvent extends Event {
  readonly data: string;
  readonly lastEventId: string;
  readonly origin: string;

  constructor(type: string, init: MessageInit) {
    super(type);
    this.data = init.data;
    this.lastEventId = init.lastEventId;
    this.origin = init.origin;
  }
}

/** A `MessageEvent` where the global exists (browsers, Node), else an Event with the same fields. */
export function createMessageEvent(type: string, init: MessageInit): MessageEvent<string> {
  if (typeof MessageEvent === 'function') return new MessageEvent(type, init);
  return new PlainMessageEvent(type, init) as unknown as MessageEvent<string>;
}

/**
 * Why the connection was lost or failed. Stable: branch on these, not on messages.
 * - `NETWORK`: the request or the body stream failed (reconnects).
 * - `END_OF_STREAM`: the server ended the response (reconnects).
 * - `HEARTBEAT_TIMEOUT`: nothing arrived within `heartbeatTimeoutMs` (reconnects).
 * - `HTTP_STATUS`: the status was not 200 (fails: no reconnection; except polling's 429, 502, 503
 *   and 504, which reconnect after `Retry-After` and the backoff).
 * - `CONTENT_TYPE`: not `text/event-stream` (or not JSON for polling) (fails).
 * - `POLL_BODY`: a poll response was not the hub's JSON shape (fails).
 * - `STREAM_LIMIT`: a line or event exceeded the parser's limits (fails).
 */
export type ConnectionErrorCode =
  | 'NETWORK'
  | 'END_OF_STREAM'
  | 'HEARTBEAT_TIMEOUT'
  | 'HTTP_STATUS'
  | 'CONTENT_TYPE'
  | 'POLL_BODY'
  | 'STREAM_LIMIT';

/**
 * The `error` event. The standard's is a plain `Event`; this one is still an `Event` named `error`
 * (drop-in) and also says why, and whether a reconnection follows.
 */
export class ConnectionErrorEvent extends Event {
  readonly code: ConnectionErrorCode;
  /** HTTP status, for `HTTP_STATUS` and `CONTENT_TYPE`. */
  readonly status: number | undefined;
  readonly cause: unknown;
  /** True when the client reconnects after this error (readyState CONNECTING), false when CLOSED. */
  readonly willReconnect: boolean;

  constructor(code: ConnectionErrorCode, willReconnect: boolean, status?: number, cause?: unknown) {
    super('error');
    this.code = code;
    this.willReconnect = willReconnect;
    this.status = status;
    this.cause = cause;
  }
}

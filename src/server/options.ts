import type { Timers } from '../clock/index.js';

/**
 * Why a stream ended. Stable codes: callers branch on them (metrics, logs), never on messages.
 * - `client-closed`: the client went away (socket closed, HTTP/2 stream reset, body cancelled).
 * - `server-closed`: `close()` was called; queued bytes were written first.
 * - `queue-overflow`: the client read too slowly and the bounded queue filled up. The stream is
 *   torn down so the client reconnects and resumes from its Last-Event-ID instead of the server
 *   buffering for it without bound.
 * - `write-error`: the transport reported an error while writing.
 */
export type StreamCloseReason = 'client-closed' | 'server-closed' | 'queue-overflow' | 'write-error';

/** A pino-compatible subset: `logger.warn({ reason, ... }, 'message')`. */
export interface SseLogger {
  warn(details: object, message: string): void;
}

export interface SseStreamOptions {
  /**
   * Idle time after which a heartbeat comment is written, in milliseconds. Default 15 000: below
   * the 30-60 s idle timeouts of common proxies and load balancers. `0` disables heartbeats.
   * Any write (event, comment) resets the idle time.
   */
  heartbeatMs?: number;
  /** A `retry:` hint sent as the very first bytes of the stream (milliseconds). */
  retryMs?: number;
  /**
   * Bound of the per-stream queue, in bytes not yet handed to the transport (what waits for the
   * next flush plus what waits for a full socket to drain). Past it the stream closes with
   * `queue-overflow`. Default 1 MiB.
   */
  maxQueueBytes?: number;
  /**
   * Query parameter read as the last event id when the `Last-Event-ID` header is absent (a first
   * connection cannot set the header from a browser). Default `'lastEventId'`; `false` disables.
   */
  lastEventIdParam?: string | false;
  /**
   * How long bytes may wait so that more events share one write, in milliseconds. Default 0:
   * everything sent within one event-loop turn goes out together at the end of the turn. A few
   * milliseconds cut CPU per delivered event several-fold for a busy hub (one syscall per write).
   */
  flushDelayMs?: number;
  /**
   * node:http, HTTP/1.1 only: once the head and the first bytes are out, take the connection over
   * from node:http (as it hands one to an `upgrade` listener) so that an idle stream keeps only its
   * socket and its own objects (~6 KB less per connection). The connection is closed after the
   * stream's last chunk, never reused; it leaves node:http's connection list, so a shutdown must
   * call `closeTakenOverConnections(server)` beside `server.closeAllConnections()`. Default false.
   */
  takeOverConnection?: boolean;
  /** Extra response headers. They may override ours, except that connection-specific headers are dropped on HTTP/2. */
  headers?: Record<string, string>;
  /** Called once, when the stream ends, with why. */
  onClose?: (reason: StreamCloseReason, error?: unknown) => void;
  /** Receives a warning for abnormal ends (`queue-overflow`, `write-error`). */
  logger?: SseLogger;
  /**
   * The timers the shared heartbeat registry ticks on, injected so tests drive heartbeats by hand
   * instead of sleeping. Default: the global timers, unref'd, so an idle heartbeat never keeps a
   * process alive.
   */
  timers?: Timers;
}

/** 15 s: see {@link SseStreamOptions.heartbeatMs}. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/**
 * 1 MiB: room for hundreds of typical events while a client is briefly slow. The bound is per
 * stream, so the worst case is streams x bound: a hub serving 10 000+ subscribers should pick a
 * smaller one.
 */
export const DEFAULT_MAX_QUEUE_BYTES = 1024 * 1024;

export const DEFAULT_LAST_EVENT_ID_PARAM = 'lastEventId';

/** Rejects option values that would silently misbehave (a NaN heartbeat would tick constantly). */
export function assertValidOptions(options: SseStreamOptions): void {
  const { heartbeatMs, maxQueueBytes, flushDelayMs } = options;
  if (heartbeatMs !== undefined && !(Number.isFinite(heartbeatMs) && heartbeatMs >= 0)) {
    throw new RangeError('heartbeatMs must be a finite number >= 0');
  }
  if (flushDelayMs !== undefined && !(Number.isFinite(flushDelayMs) && flushDelayMs >= 0)) {
    throw new RangeError('flushDelayMs must be a finite number >= 0');
  }
  if (maxQueueBytes !== undefined && !(Number.isFinite(maxQueueBytes) && maxQueueBytes > 0)) {
    throw new RangeError('maxQueueBytes must be a finite number > 0');
  }
}

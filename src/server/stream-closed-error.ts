import type { StreamCloseReason } from './options.js';

/** The `reason` of a stream's aborted `signal`: code `SSE_STREAM_CLOSED`, plus why it closed. */
export class SseStreamClosedError extends Error {
  override readonly name = 'SseStreamClosedError';
  readonly code = 'SSE_STREAM_CLOSED';
  readonly reason: StreamCloseReason;

  constructor(reason: StreamCloseReason, options?: { cause?: unknown }) {
    super(`SSE stream closed: ${reason}`, options);
    this.reason = reason;
  }
}

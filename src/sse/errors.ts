/**
 * Stable error codes of the wire format. Callers (and the hub's HTTP layer) branch on `code`,
 * never on the message text.
 */
export type SseErrorCode =
  /** `event` contains CR or LF: it would end the field and let the value inject new fields. */
  | 'SSE_INVALID_EVENT'
  /** `id` contains CR, LF or NUL (a NUL id is ignored by every conforming parser). */
  | 'SSE_INVALID_ID'
  /** `retry` is not a non-negative safe integer. */
  | 'SSE_INVALID_RETRY'
  /** A string field holds a lone UTF-16 surrogate, which has no UTF-8 encoding. */
  | 'SSE_LONE_SURROGATE'
  /** The parser met a line longer than its `maxLineLength`. */
  | 'SSE_LINE_TOO_LONG'
  /** The parser's pending event grew past its `maxEventSize`. */
  | 'SSE_EVENT_TOO_LARGE';

export class SseError extends Error {
  override readonly name = 'SseError';
  readonly code: SseErrorCode;
  /** The event field at fault (`data`, `event`, `id`, `retry`, `comment`), when there is one. */
  readonly field: string | undefined;

  constructor(code: SseErrorCode, message: string, field?: string) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

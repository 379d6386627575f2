import { SseError } from './errors.js';

/** One event as a server writes it. Every field is optional except `data`. */
export interface SseEvent {
  /** The payload. Split on CR, LF and CRLF into `data:` lines; `""` dispatches an empty message. */
  data: string;
  /** The event type (`event:` field). Must not contain CR or LF. */
  event?: string | undefined;
  /** The event id (`id:` field). Must not contain CR, LF or NUL. `""` resets the client's last id. */
  id?: string | undefined;
  /** Reconnection time hint in milliseconds (`retry:` field). A non-negative integer. */
  retry?: number | undefined;
  /** A comment written before the fields; split on line breaks into several `:` lines. */
  comment?: string | undefined;
}

const encoder = new TextEncoder();
const LINE_BREAK = /\r\n|\r|\n/;
const CR_OR_LF = /[\r\n]/;

/**
 * Lone surrogates have no UTF-8 form: `TextEncoder` would silently turn them into U+FFFD, so
 * the client would receive a different string than the one published. We reject instead, so
 * that every accepted string survives the round trip.
 */
function assertWellFormed(value: string, field: string): void {
  if (!value.isWellFormed()) {
    throw new SseError('SSE_LONE_SURROGATE', `${field} contains a lone UTF-16 surrogate`, field);
  }
}

/** Validates `event` and returns the text of one event, fields in a fixed order, ending with a blank line. */
export function formatEvent(event: SseEvent): string {
  let out = '';
  if (event.comment !== undefined) out += formatCommentLines(event.comment);
  if (event.event !== undefined) {
    assertWellFormed(event.event, 'event');
    if (CR_OR_LF.test(event.event)) {
      throw new SseError('SSE_INVALID_EVENT', 'event must not contain CR or LF', 'event');
    }
    out += `event: ${event.event}\n`;
  }
  if (event.id !== undefined) {
    assertWellFormed(event.id, 'id');
    if (CR_OR_LF.test(event.id) || event.id.includes('\0')) {
      throw new SseError('SSE_INVALID_ID', 'id must not contain CR, LF or NUL', 'id');
    }
    out += `id: ${event.id}\n`;
  }
  if (event.retry !== undefined) out += formatRetryLine(event.retry);
  if (typeof event.data !== 'string') {
    throw new SseError('SSE_INVALID_EVENT', 'data must be a string', 'data');
  }
  assertWellFormed(event.data, 'data');
  // A space after the colon keeps values that start with a space intact: the parser removes
  // exactly one.
  for (const line of event.data.split(LINE_BREAK)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** Encodes one event to UTF-8 bytes. Encode once, write the same bytes to every stream. */
export function encodeEvent(event: SseEvent): Uint8Array {
  return encoder.encode(formatEvent(event));
}

function formatCommentLines(comment: string): string {
  assertWellFormed(comment, 'comment');
  let out = '';
  // Each line of the comment gets its own colon, so no line of it can become a field.
  for (const line of comment.split(LINE_BREAK)) out += line === '' ? ':\n' : `: ${line}\n`;
  return out;
}

function formatRetryLine(retryMs: number): string {
  if (!Number.isSafeInteger(retryMs) || retryMs < 0) {
    throw new SseError('SSE_INVALID_RETRY', 'retry must be a non-negative integer (milliseconds)', 'retry');
  }
  return `retry: ${retryMs}\n`;
}

/** A comment on its own, e.g. a heartbeat. Comments do not dispatch events and do not end one. */
export function encodeComment(comment: string): Uint8Array {
  return encoder.encode(formatCommentLines(comment));
}

/** A `retry:` line on its own (no event is dispatched). */
export function encodeRetry(retryMs: number): Uint8Array {
  return encoder.encode(formatRetryLine(retryMs));
}

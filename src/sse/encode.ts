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

// `String.prototype.isWellFormed` is native and fast (Node 20, browsers since 2023); the regular
// expression (a high surrogate not followed by a low one, or a low one not preceded by a high one)
// keeps older browsers working.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isWellFormed: (value: string) => boolean =
  typeof String.prototype.isWellFormed === 'function'
    ? (value) => value.isWellFormed()
    : (value) => !LONE_SURROGATE.test(value);

/**
 * Lone surrogates have no UTF-8 form: `TextEncoder` would silently turn them into U+FFFD, so
 * the client would receive a different string than the one published. We reject instead, so
 * that every accepted string survives the round trip.
 */
function assertWellFormed(value: string, field: string): void {
  if (!isWellFormed(value)) {
    throw new SseError('SSE_LONE_SURROGATE', `${field} contains a lone UTF-16 surrogate`, field);
  }
}

function hasLineBreak(value: string): boolean {
  return value.includes('\n') || value.includes('\r');
}

/**
 * Validates `event` and returns the text of one event, fields in a fixed order, ending with a
 * blank line. Every field is checked before anything is returned: either the whole event or an
 * `SseError`, never a part.
 */
export function formatEvent(event: SseEvent): string {
  let out = event.comment === undefined ? '' : formatCommentLines(event.comment);
  if (event.event !== undefined) out += `event: ${checkEventType(event.event)}\n`;
  if (event.id !== undefined) out += `id: ${checkId(event.id)}\n`;
  if (event.retry !== undefined) out += formatRetryLine(event.retry);
  return out + formatDataLines(event.data) + '\n';
}

/**
 * The number of bytes `encodeEvent(event)` returns, counted without building the text, so a hub can
 * refuse an event no subscriber's queue could hold before it stores it. Assumes a valid event (it
 * validates nothing); linear in the event's length and allocation-free.
 */
export function encodedEventLength(event: SseEvent): number {
  let length = 0;
  if (event.comment !== undefined) {
    // `: line\n` per line, `:\n` for an empty one.
    length += linesLength(event.comment, 3) - countEmptyLines(event.comment);
  }
  if (event.event !== undefined) length += 'event: \n'.length + utf8Length(event.event);
  if (event.id !== undefined) length += 'id: \n'.length + utf8Length(event.id);
  if (event.retry !== undefined) length += 'retry: \n'.length + String(event.retry).length;
  return length + linesLength(event.data, 'data: \n'.length) + 1;
}

/** Bytes of `text`'s lines (split as `forEachLine` splits) with `perLine` bytes added to each. */
function linesLength(text: string, perLine: number): number {
  let lines = 1;
  let breakBytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0a) {
      lines++;
      breakBytes++;
    } else if (code === 0x0d) {
      lines++;
      const isCrLf = text.charCodeAt(i + 1) === 0x0a;
      breakBytes += isCrLf ? 2 : 1;
      if (isCrLf) i++;
    }
  }
  return utf8Length(text) - breakBytes + lines * perLine;
}

function countEmptyLines(text: string): number {
  let empty = 0;
  forEachLine(text, (line) => {
    if (line === '') empty++;
  });
  return empty;
}

/** UTF-8 length of a well-formed string (a lone surrogate counts as the 3 bytes of U+FFFD). */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a pair: 2 UTF-16 units, 4 bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** Encodes one event to UTF-8 bytes. Encode once, write the same bytes to every stream. */
export function encodeEvent(event: SseEvent): Uint8Array {
  return encoder.encode(formatEvent(event));
}

function checkEventType(type: string): string {
  if (typeof type !== 'string') throw new SseError('SSE_INVALID_EVENT', 'event must be a string', 'event');
  assertWellFormed(type, 'event');
  if (hasLineBreak(type)) throw new SseError('SSE_INVALID_EVENT', 'event must not contain CR or LF', 'event');
  return type;
}

function checkId(id: string): string {
  if (typeof id !== 'string') throw new SseError('SSE_INVALID_ID', 'id must be a string', 'id');
  assertWellFormed(id, 'id');
  // A parser ignores an id containing NUL, so the client would keep the previous one: refuse it.
  if (hasLineBreak(id) || id.includes('\0')) {
    throw new SseError('SSE_INVALID_ID', 'id must not contain CR, LF or NUL', 'id');
  }
  return id;
}

function formatDataLines(data: string): string {
  if (typeof data !== 'string') throw new SseError('SSE_INVALID_EVENT', 'data must be a string', 'data');
  assertWellFormed(data, 'data');
  // A space after the colon keeps values that start with a space intact: the parser removes
  // exactly one. Most payloads are one line: no splitting then.
  if (!hasLineBreak(data)) return `data: ${data}\n`;
  let out = '';
  forEachLine(data, (line) => {
    out += `data: ${line}\n`;
  });
  return out;
}

function formatCommentLines(comment: string): string {
  if (typeof comment !== 'string') {
    throw new SseError('SSE_INVALID_EVENT', 'comment must be a string', 'comment');
  }
  assertWellFormed(comment, 'comment');
  let out = '';
  // Each line of the comment gets its own colon, so no line of it can become a field.
  forEachLine(comment, (line) => {
    out += line === '' ? ':\n' : `: ${line}\n`;
  });
  return out;
}

/** Calls `onLine` for each line of `text` split on CRLF, CR and LF (as a parser would split it). */
function forEachLine(text: string, onLine: (line: string) => void): void {
  let start = 0;
  // Each index is searched again only once passed, so text with LFs and no CR is scanned once.
  let lf = text.indexOf('\n');
  let cr = text.indexOf('\r');
  for (;;) {
    if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
    if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
    const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
    if (end === -1) {
      onLine(start === 0 ? text : text.slice(start));
      return;
    }
    onLine(text.slice(start, end));
    start = end === cr && lf === end + 1 ? end + 2 : end + 1;
  }
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

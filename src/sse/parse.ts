import { SseError } from './errors.js';

/**
 * Streaming parser for `text/event-stream`, following the WHATWG HTML standard,
 * "Parsing an event stream" and "Interpreting an event stream":
 * https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 *
 * It is a pure state machine: `feed` text or bytes, receive callbacks. No I/O, no timers.
 */

/** One dispatched event, as a conforming `EventSource` would expose it. */
export interface ParsedEvent {
  /** The `event:` field of the block, or `'message'` when it had none (or an empty one). */
  type: string;
  /** The `data:` lines of the block joined with LF. */
  data: string;
  /** The last event ID string at dispatch time (it persists across events until an `id:` changes it). */
  lastEventId: string;
}

export interface ParserOptions {
  /** Called for every dispatched event, synchronously, from inside `feed`. */
  onEvent: (event: ParsedEvent) => void;
  /** Called for a `retry:` field made of ASCII digits only, with its base-ten value in milliseconds. */
  onRetry?: ((retryMs: number) => void) | undefined;
  /**
   * Called for a line starting with `:`, with the text after the colon. The leading space that
   * writers usually put after the colon is NOT removed (`': ping'` gives `' ping'`): the standard
   * gives comments no value, so we hand over the line as it is.
   */
  onComment?: ((text: string) => void) | undefined;
  /**
   * Longest line accepted, in UTF-16 code units, without its line ending.
   * Default {@link DEFAULT_MAX_LINE_LENGTH}. `Infinity` disables the check.
   */
  maxLineLength?: number | undefined;
  /**
   * Largest data buffer of one pending event, in UTF-16 code units (the data lines plus the LFs
   * joining them). Default {@link DEFAULT_MAX_EVENT_SIZE}. `Infinity` disables the check.
   */
  maxEventSize?: number | undefined;
}

/**
 * 1 MiB of characters. A line is buffered whole before it can be interpreted, so without a cap a
 * server (or anything between it and us) sending one endless line grows our memory without bound.
 * One MiB holds any sane single-line JSON payload; bigger payloads can raise it.
 */
export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

/** 8 MiB of characters: the data of one event spread over several `data:` lines. Same DoS reasoning. */
export const DEFAULT_MAX_EVENT_SIZE = 8 * 1024 * 1024;

const LF = 0x0a;
const SPACE = 0x20;
const COLON = 0x3a;
const D = 0x64;
const E = 0x65;
const I = 0x69;
const BOM = 0xfeff;
const DIGITS_ONLY = /^[0-9]+$/;
/** Longest caller's string copied to be flat (see `#joinWithPieces`), in UTF-16 code units. */
const MAX_COPIED_CHUNK_LENGTH = 16 * 1024;

/**
 * Parses an event stream fed in chunks of any size, cut anywhere (inside a CRLF, a BOM, a UTF-8
 * code point).
 *
 * Errors: when a line grows past `maxLineLength`, `feed` throws `SseError` with code
 * `SSE_LINE_TOO_LONG`; when an event's data grows past `maxEventSize`, code `SSE_EVENT_TOO_LARGE`.
 * Before throwing, the parser resets itself (as `reset()`): the rest of that chunk is dropped and
 * the stream should be closed. Events completed earlier in the same chunk have been dispatched.
 *
 * An exception thrown by a callback propagates out of `feed`; the rest of that chunk is dropped,
 * the parser stays usable.
 */
export class EventStreamParser {
  readonly #onEvent: (event: ParsedEvent) => void;
  readonly #onRetry: ((retryMs: number) => void) | undefined;
  readonly #onComment: ((text: string) => void) | undefined;
  readonly #maxLineLength: number;
  readonly #maxEventSize: number;

  // Streaming UTF-8 decoding. `ignoreBOM: true` keeps a BOM in the output so that one rule (ours,
  // below) strips it, whether the stream arrives as bytes or as strings.
  #decoder: TextDecoder | undefined;
  #hasPendingBytes = false;
  #isAtStreamStart = true;
  // A chunk ended with CR: that line is done; an LF starting the next text belongs to it.
  #isAfterCr = false;
  // An unfinished line is kept as its pieces and joined once when it ends: concatenating per chunk
  // is O(n^2) when one line spans many chunks.
  readonly #linePieces: string[] = [];
  #lineLength = 0;

  // The spec's buffers. `#hasData` tells "data buffer is empty" apart from "one empty data line".
  #data = '';
  #hasData = false;
  #eventType = '';
  #lastEventIdBuffer = '';
  #lastEventId = '';

  constructor(options: ParserOptions) {
    this.#onEvent = options.onEvent;
    this.#onRetry = options.onRetry;
    this.#onComment = options.onComment;
    this.#maxLineLength = checkLimit(options.maxLineLength, DEFAULT_MAX_LINE_LENGTH, 'maxLineLength');
    this.#maxEventSize = checkLimit(options.maxEventSize, DEFAULT_MAX_EVENT_SIZE, 'maxEventSize');
  }

  /**
   * The last event ID string: set from the ID buffer at each blank line (even when no event is
   * dispatched), kept across events, cleared by `reset()`, kept by `end()`.
   */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /**
   * Feeds the next piece of the stream. Bytes are decoded as UTF-8 (streaming: a code point split
   * across chunks is fine; invalid sequences become U+FFFD). Strings are taken as already decoded;
   * a string fed after bytes that ended inside a code point turns those bytes into U+FFFD first.
   */
  feed(chunk: string | Uint8Array): void {
    if (typeof chunk === 'string') {
      const text = this.#flushDecoder() + chunk;
      if (text.length > 0) this.#feedText(text, true);
      return;
    }
    this.#decoder ??= new TextDecoder('utf-8', { ignoreBOM: true });
    const text = this.#decoder.decode(chunk, { stream: true });
    // The decoder may now hold the start of a split code point; `#flushDecoder` finds out.
    this.#hasPendingBytes = true;
    // The decoder returns a fresh flat string: nothing to gain from copying it (see `#feedText`).
    if (text.length > 0) this.#feedText(text, false);
  }

  /**
   * Ends the stream: flushes the decoder (an incomplete code point becomes U+FFFD), then discards
   * the unfinished line and the unfinished event, as the standard requires. The parser is then
   * ready for a new stream (a leading BOM is stripped again); `lastEventId` is kept.
   */
  end(): void {
    const rest = this.#flushDecoder();
    if (rest.length > 0) this.#feedText(rest, false);
    this.#clearStream();
  }

  /**
   * Back to a fresh state, keeping only the options. `lastEventId` is cleared too, or set to
   * `lastEventId` when given: a client resuming with an id it kept (or learnt elsewhere) starts
   * the new stream from it, as an EventSource keeps its last event ID across reconnections.
   */
  reset(lastEventId = ''): void {
    this.#clearStream();
    this.#lastEventIdBuffer = lastEventId;
    this.#lastEventId = lastEventId;
  }

  #clearStream(): void {
    this.#decoder = undefined;
    this.#hasPendingBytes = false;
    this.#isAtStreamStart = true;
    this.#isAfterCr = false;
    this.#linePieces.length = 0;
    this.#lineLength = 0;
    this.#data = '';
    this.#hasData = false;
    this.#eventType = '';
    this.#lastEventIdBuffer = this.#lastEventId;
  }

  #flushDecoder(): string {
    if (!this.#hasPendingBytes || this.#decoder === undefined) return '';
    this.#hasPendingBytes = false;
    return this.#decoder.decode();
  }

  /**
   * `isCallerString`: `text` is a string as the caller gave it, whose representation we do not
   * know (V8 keeps `big.slice(a, b)` as a view into `big`, and `a + b` as a pair, until flattened).
   */
  #feedText(text: string, isCallerString: boolean): void {
    let pos = 0;
    if (this.#isAtStreamStart) {
      // "One leading U+FEFF BYTE ORDER MARK character must be ignored if any are present."
      this.#isAtStreamStart = false;
      if (text.charCodeAt(0) === BOM) pos = 1;
    }
    if (this.#isAfterCr) {
      this.#isAfterCr = false;
      if (text.charCodeAt(pos) === LF) pos += 1;
    }
    // Almost every server ends lines with LF only: then one search per line suffices.
    let crIndex = text.indexOf('\r', pos);
    // Only for short chunks, and when the buffered line is shorter than the rest of `text` (a line
    // as long as a chunk hints at large events): see `#joinWithPieces` for the measurements.
    const restLength = text.length - pos;
    if (
      isCallerString &&
      this.#linePieces.length > 0 &&
      restLength <= MAX_COPIED_CHUNK_LENGTH &&
      this.#lineLength <= restLength
    ) {
      // A chunk that does not end the buffered line only adds to it.
      if (crIndex === -1 && text.indexOf('\n', pos) === -1) {
        this.#keepPiece(text, pos);
        return;
      }
      const bufferedLength = this.#lineLength;
      text = this.#joinWithPieces(text, pos);
      if (crIndex !== -1) crIndex += bufferedLength - pos;
      pos = 0;
    }
    pos = crIndex === -1 ? this.#feedLfLines(text, pos) : this.#feedMixedLines(text, pos, crIndex);
    if (pos < text.length) this.#keepPiece(text, pos);
  }

  /**
   * The buffered pieces of the unfinished line followed by `text[pos..]`, as one new string. The
   * whole rest of the chunk is copied, not just the end of that line: `join` yields a flat
   * (sequential) string, and every `indexOf`, `charCodeAt` and `slice` on the lines that follow
   * is measurably cheaper on it than on a caller's string that is a slice of a larger one or a
   * concatenation (an indirection per access in V8). Measured in bench/sse.bench.ts (Node 20):
   * with 1 KiB string chunks the copy gains about 5% on short lines; with 64 KiB chunks it gains
   * nothing on short lines and costs about 3% on multi-line events, hence the cap on the chunk
   * length. Decoded bytes are flat already: copying them cost as much as it gained, so they skip
   * it. So do long buffered lines: the end of the chunk (the start of the next long line, often)
   * would be copied twice.
   */
  #joinWithPieces(text: string, pos: number): string {
    const pieces = this.#linePieces;
    pieces.push(pos === 0 ? text : text.slice(pos));
    const joined = pieces.join('');
    pieces.length = 0;
    this.#lineLength = 0;
    return joined;
  }

  /** Interprets the LF-terminated lines of `text` from `pos`; returns where the unfinished rest starts. */
  #feedLfLines(text: string, pos: number): number {
    let lfIndex = text.indexOf('\n', pos);
    while (lfIndex !== -1) {
      this.#endLine(text, pos, lfIndex);
      pos = lfIndex + 1;
      lfIndex = text.indexOf('\n', pos);
    }
    return pos;
  }

  /** The same for text holding CRs: lines end at CR, LF or CRLF. */
  #feedMixedLines(text: string, pos: number, firstCrIndex: number): number {
    const length = text.length;
    let crIndex = firstCrIndex;
    let lfIndex = text.indexOf('\n', pos);
    // Each index is searched again only once passed: searching both at every line would rescan to
    // the end of the chunk for the one that is rarer, O(n^2 / line length).
    for (;;) {
      if (crIndex !== -1 && crIndex < pos) crIndex = text.indexOf('\r', pos);
      if (lfIndex !== -1 && lfIndex < pos) lfIndex = text.indexOf('\n', pos);
      const end = crIndex === -1 ? lfIndex : lfIndex === -1 ? crIndex : Math.min(crIndex, lfIndex);
      if (end === -1) return pos;
      this.#endLine(text, pos, end);
      pos = end + 1;
      if (end === crIndex) {
        // A CR ending the chunk ends its line now; an LF opening the next chunk is its CRLF's.
        if (pos === length) this.#isAfterCr = true;
        else if (lfIndex === pos) pos += 1;
      }
    }
  }

  /** `text[start, end)` is the end of a line: the whole line, or the last piece of a buffered one. */
  #endLine(text: string, start: number, end: number): void {
    if (this.#lineLength === 0) {
      if (end - start > this.#maxLineLength) this.#fail('SSE_LINE_TOO_LONG');
      this.#processLine(text, start, end);
      return;
    }
    if (this.#lineLength + (end - start) > this.#maxLineLength) this.#fail('SSE_LINE_TOO_LONG');
    const pieces = this.#linePieces;
    let line: string;
    if (pieces.length === 1) {
      // A line cut once by a chunk boundary, the usual case: a plain `+` is cheapest.
      line = pieces[0] + text.slice(start, end);
    } else {
      // Joining all pieces at once copies each character once; `join() + last` would copy twice.
      pieces.push(text.slice(start, end));
      line = pieces.join('');
    }
    pieces.length = 0;
    this.#lineLength = 0;
    this.#processLine(line, 0, line.length);
  }

  #keepPiece(text: string, pos: number): void {
    const piece = pos === 0 ? text : text.slice(pos);
    this.#lineLength += piece.length;
    if (this.#lineLength > this.#maxLineLength) this.#fail('SSE_LINE_TOO_LONG');
    this.#linePieces.push(piece);
  }

  /**
   * Interprets `text[start, end)`, one line without its line ending. The common fields are
   * recognised in place by their first characters, which are never CR or LF, so a match cannot
   * run past `end`; the rest goes through the spec's general steps on a slice of the line.
   */
  #processLine(text: string, start: number, end: number): void {
    // "If the line is empty (a blank line): Dispatch the event."
    if (start === end) {
      this.#dispatch();
      return;
    }
    const first = text.charCodeAt(start);
    if (first === COLON) {
      // "If the line starts with a U+003A COLON character (:): Ignore the line." (a comment)
      this.#onComment?.(text.slice(start + 1, end));
    } else if (first === D && isDataColon(text, start)) {
      this.#appendData(text.slice(valueStart(text, start + 5, end), end));
    } else if (first === E && isEventColon(text, start)) {
      this.#eventType = text.slice(valueStart(text, start + 6, end), end);
    } else if (first === I && text.charCodeAt(start + 1) === 0x64 && text.charCodeAt(start + 2) === COLON) {
      this.#setId(text.slice(valueStart(text, start + 3, end), end));
    } else {
      this.#processGeneralLine(start === 0 && end === text.length ? text : text.slice(start, end));
    }
  }

  /** The spec's steps for any other line: a colon splits field from value; no colon, empty value. */
  #processGeneralLine(line: string): void {
    const colon = line.indexOf(':');
    if (colon === -1) {
      this.#processField(line, '');
    } else {
      this.#processField(line.slice(0, colon), line.slice(valueStart(line, colon + 1, line.length)));
    }
  }

  #processField(name: string, value: string): void {
    switch (name) {
      case 'data':
        this.#appendData(value);
        break;
      case 'event':
        this.#eventType = value;
        break;
      case 'id':
        this.#setId(value);
        break;
      case 'retry':
        this.#setRetry(value);
        break;
      // "Otherwise: The field is ignored."
    }
  }

  #appendData(value: string): void {
    // The spec appends value + LF and removes the last LF at dispatch; joining with LF is the same.
    if (this.#hasData) {
      this.#data = this.#data + '\n' + value;
    } else {
      this.#data = value;
      this.#hasData = true;
    }
    if (this.#data.length > this.#maxEventSize) this.#fail('SSE_EVENT_TOO_LARGE');
  }

  #setId(value: string): void {
    // "If the field value does not contain U+0000 NULL, then set the last event ID buffer".
    if (!value.includes('\0')) this.#lastEventIdBuffer = value;
  }

  #setRetry(value: string): void {
    // "If the field value consists of only ASCII digits": the empty value does not qualify.
    // Very long digit strings give a huge (or imprecise) number; clamping is the caller's policy.
    if (DIGITS_ONLY.test(value)) this.#onRetry?.(Number.parseInt(value, 10));
  }

  #dispatch(): void {
    // "Set the last event ID string of the event source to the value of the last event ID buffer."
    this.#lastEventId = this.#lastEventIdBuffer;
    // "If the data buffer is an empty string, set the data buffer and the event type buffer to the
    // empty string and return."
    if (!this.#hasData) {
      this.#eventType = '';
      return;
    }
    const event: ParsedEvent = {
      type: this.#eventType === '' ? 'message' : this.#eventType,
      data: this.#data,
      lastEventId: this.#lastEventId,
    };
    // Buffers are cleared before the callback so that a throwing callback leaves a sane state.
    this.#data = '';
    this.#hasData = false;
    this.#eventType = '';
    this.#onEvent(event);
  }

  #fail(code: 'SSE_LINE_TOO_LONG' | 'SSE_EVENT_TOO_LARGE'): never {
    this.reset();
    const message =
      code === 'SSE_LINE_TOO_LONG'
        ? `a line is longer than maxLineLength (${this.#maxLineLength} characters)`
        : `an event's data is larger than maxEventSize (${this.#maxEventSize} characters)`;
    throw new SseError(code, message);
  }
}

function checkLimit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value >= 0)) throw new RangeError(`${name} must be a non-negative number`);
  return value;
}

// Character-code comparisons: measurably cheaper per line than `startsWith` on the hot path.
/** `text` has `data:` at `start` (its `d` already checked). */
function isDataColon(text: string, start: number): boolean {
  return (
    text.charCodeAt(start + 1) === 0x61 &&
    text.charCodeAt(start + 2) === 0x74 &&
    text.charCodeAt(start + 3) === 0x61 &&
    text.charCodeAt(start + 4) === COLON
  );
}

/** `text` has `event:` at `start` (its `e` already checked). */
function isEventColon(text: string, start: number): boolean {
  return (
    text.charCodeAt(start + 1) === 0x76 &&
    text.charCodeAt(start + 2) === 0x65 &&
    text.charCodeAt(start + 3) === 0x6e &&
    text.charCodeAt(start + 4) === 0x74 &&
    text.charCodeAt(start + 5) === COLON
  );
}

/** "If value starts with a U+0020 SPACE character, remove it from value." */
function valueStart(text: string, afterColon: number, end: number): number {
  return afterColon < end && text.charCodeAt(afterColon) === SPACE ? afterColon + 1 : afterColon;
}

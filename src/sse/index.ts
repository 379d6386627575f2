/**
 * herald/sse: the Server-Sent Events wire format, both directions. It imports nothing (no
 * packages, no `node:*`) so that the same code runs in Node and in browsers; it knows strings and
 * bytes, never sockets.
 *
 * Encoder (`encodeEvent`, `formatEvent`, `encodeComment`, `encodeRetry`): validates before it
 * writes and throws `SseError` rather than emit text that a client would read differently: CR or
 * LF in `event` (`SSE_INVALID_EVENT`), CR, LF or NUL in `id` (`SSE_INVALID_ID`), a `retry` that is
 * not a non-negative safe integer (`SSE_INVALID_RETRY`). A lone UTF-16 surrogate in any text field
 * is rejected with `SSE_LONE_SURROGATE`: it has no UTF-8 form, and letting `TextEncoder` turn it
 * into U+FFFD would deliver a different string than the one published. Either the whole event
 * comes back or an error: never a part. Multi-line data and comments are split on CR, LF and CRLF,
 * one field line each, so no value can inject a field. `encodedEventLength` gives the encoded size
 * without encoding, for limits checked before an event is accepted.
 *
 * Parser (`EventStreamParser`): the WHATWG HTML "Parsing an event stream" and "Interpreting an
 * event stream" algorithm, streaming, with chunks cut anywhere (inside CRLF, the BOM, a code
 * point). Limits guard memory against a hostile stream: `maxLineLength` (default 1 MiB characters)
 * and `maxEventSize` (default 8 MiB characters of pending data). Past either, `feed` throws
 * `SseError` with `SSE_LINE_TOO_LONG` / `SSE_EVENT_TOO_LARGE` and the parser resets itself;
 * close the stream. `end()` discards an unfinished event and keeps `lastEventId`; `reset()` also
 * clears `lastEventId`, or sets it to the id it is given (a reconnecting client keeps the id).
 */
export {
  encodeComment,
  encodedEventLength,
  encodeEvent,
  encodeRetry,
  formatEvent,
  type SseEvent,
} from './encode.js';
export { SseError, type SseErrorCode } from './errors.js';
export {
  DEFAULT_MAX_EVENT_SIZE,
  DEFAULT_MAX_LINE_LENGTH,
  EventStreamParser,
  type ParsedEvent,
  type ParserOptions,
} from './parse.js';

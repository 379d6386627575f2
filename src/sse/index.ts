/**
 * herald/sse: the Server-Sent Events wire format, with no dependencies and no `node:*` imports so
 * that it runs in browsers too.
 *
 * - Encoder (`encodeEvent`, `formatEvent`, `encodeComment`, `encodeRetry`): validates before it
 *   writes, and throws `SseError` rather than emit a stream that would parse differently: CR or LF
 *   in `event`/`id` (`SSE_INVALID_EVENT`/`SSE_INVALID_ID`), NUL in `id` (`SSE_INVALID_ID`), a
 *   `retry` that is not a non-negative safe integer (`SSE_INVALID_RETRY`). A lone UTF-16 surrogate
 *   in any field is rejected with `SSE_LONE_SURROGATE`: it has no UTF-8 form, and replacing it with
 *   U+FFFD would deliver a different string than the one published. Nothing partial is returned.
 * - Parser (`EventStreamParser`): the WHATWG "Parsing/Interpreting an event stream" algorithm,
 *   streaming, chunks cut anywhere. Its limits are `maxLineLength` (default 1 MiB characters) and
 *   `maxEventSize` (default 8 MiB characters of pending data); past them `feed` throws `SseError`
 *   with `SSE_LINE_TOO_LONG` / `SSE_EVENT_TOO_LARGE` and the parser resets itself.
 */
export { encodeComment, encodeEvent, encodeRetry, formatEvent, type SseEvent } from './encode.js';
export { SseError, type SseErrorCode } from './errors.js';
export {
  DEFAULT_MAX_EVENT_SIZE,
  DEFAULT_MAX_LINE_LENGTH,
  EventStreamParser,
  type ParsedEvent,
  type ParserOptions,
} from './parse.js';

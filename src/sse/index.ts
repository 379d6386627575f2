export { encodeComment, encodeEvent, encodeRetry, formatEvent, type SseEvent } from './encode.js';
export { SseError, type SseErrorCode } from './errors.js';

/**
 * herald/client: a dependency-free `EventSource` for browsers and Node 20+ (global `fetch`,
 * `TextDecoder`, `AbortController`, `ReadableStream`), a drop-in for the WHATWG one plus:
 *
 * - `new EventSource(url, { headers, lastEventId, heartbeatTimeoutMs, transport: 'auto', ... })`:
 *   request headers (e.g. `Authorization`), resume from an id, backoff with full jitter above the
 *   server's `retry`, a liveness watchdog, long/short polling against the hub's JSON contract and
 *   an automatic fallback to long polling behind buffering proxies. See `EventSourceOptions`.
 * - `error` events are `ConnectionErrorEvent`s: a stable `code` and `willReconnect`.
 * - Before its first event id (and with no cursor in the URL), the client adopts the hub's
 *   `Mercure-Last-Event-ID` (0.x: `Last-Event-ID`) response header (its position at subscription
 *   time) so an early reconnection
 *   misses nothing; Herald extension beyond WHATWG, off with `adoptResponseCursor: false`.
 * - Polling (Herald's own protocol) retries 429/502/503/504 with backoff, after `Retry-After`;
 *   the event stream fails on any non-200, as WHATWG says.
 * - `clockOffsetMs`: server clock minus client clock, estimated from `Date` headers and the
 *   `serverTime` of poll responses (NTP-like, half a round trip of error at best). Cross-origin,
 *   the `Date` header is only readable when the hub lists it in `Access-Control-Expose-Headers`.
 * - `SharedEventSource`: tabs of one origin share one connection (Web Locks + BroadcastChannel).
 * - `hubUrl(base, { topics })` builds subscription URLs; `timeOfEventId(id)` reads UUIDv7 ids.
 *
 * Cross-origin, `Last-Event-ID`, `Cache-Control` and custom headers make the browser send a CORS
 * preflight: the hub must allow them (`Access-Control-Allow-Headers`).
 */
export { reconnectDelayMs } from './backoff.js';
export { timeOfEventId } from './event-id-time.js';
export { DEFAULT_RECONNECTION_TIME_MS, EventSource } from './event-source.js';
export type { EventHandler, EventSourceEventMap, MessageHandler } from './event-source-target.js';
export { type ConnectionErrorCode, ConnectionErrorEvent, type MessageInit } from './events.js';
export { type HubUrlOptions, hubUrl } from './hub-url.js';
export type { EventSourceOptions, TransportName } from './options.js';
export type { PolledEvent, PollResponse } from './poll-response.js';
export {
  type ChannelLike,
  type LockManagerLike,
  SharedEventSource,
  type SharedEventSourceOptions,
} from './shared-event-source.js';
export type { Timers } from './timers.js';

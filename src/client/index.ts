export { reconnectDelayMs } from './backoff.js';
export { timeOfEventId } from './event-id-time.js';
export { DEFAULT_RECONNECTION_TIME_MS, EventSource } from './event-source.js';
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

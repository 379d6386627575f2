/**
 * Store and Broker adapters for the hub's ports. `openStore(url)` is the way in; the SQLite and
 * Redis adapters are loaded only when a `sqlite:` or `redis:` URL asks for them, hence their classes
 * are exported here as types only.
 */
export { StoreError, type StoreErrorCode } from './errors.js';
export { LocalBroker, type LocalBrokerOptions } from './local-broker.js';
export { MemoryStore, type MemoryStoreOptions } from './memory.js';
export {
  DEFAULT_MEMORY_MAX_EVENTS,
  DEFAULT_REDIS_MAX_EVENTS,
  defaultRetention,
  type OpenedStore,
  type OpenStoreOptions,
  openStore,
  parseStoreUrl,
  type StoreLocation,
} from './open.js';
export type { RedisStore, RedisStoreOptions } from './redis.js';
export type { RedisBroker, RedisBrokerOptions } from './redis-broker.js';
export type { RedisSubscriberDirectory, RedisSubscriberDirectoryOptions } from './redis-subscribers.js';
export { MemoryScheduleStore } from './schedule-memory.js';
export type { SqliteStore, SqliteStoreOptions, SqliteSynchronous } from './sqlite.js';

/**
 * Store and Broker adapters for the hub's ports. `openStore(url)` is the way in; the SQLite adapter
 * is loaded only when a `sqlite:` URL asks for it, hence its class is exported here as a type only.
 */
export { StoreError, type StoreErrorCode } from './errors.js';
export { LocalBroker, type LocalBrokerOptions } from './local-broker.js';
export { MemoryStore, type MemoryStoreOptions } from './memory.js';
export {
  DEFAULT_MEMORY_MAX_EVENTS,
  defaultRetention,
  type OpenedStore,
  type OpenStoreOptions,
  openStore,
  parseStoreUrl,
  type StoreLocation,
} from './open.js';
export { MemoryScheduleStore } from './schedule-memory.js';
export type { SqliteStore, SqliteStoreOptions, SqliteSynchronous } from './sqlite.js';

/**
 * Turns a store URL (`--store` on the command line) into a Store and its Broker. Adapters are
 * imported on demand, so a hub on the memory store never loads the native better-sqlite3 module
 * (nor, later, a Redis client).
 */
import { isAbsolute, resolve } from 'node:path';
import type { Broker, RetentionPolicy, Store } from '../hub/index.js';
import type { ScheduleStore } from '../schedule/index.js';
import { StoreError } from './errors.js';
import { LocalBroker, type LocalBrokerOptions } from './local-broker.js';
import { MemoryStore } from './memory.js';
import { checkRetention } from './retention.js';
import { MemoryScheduleStore } from './schedule-memory.js';
import type { SqliteSynchronous } from './sqlite.js';

export type StoreLocation = { kind: 'memory' } | { kind: 'sqlite'; path: string };

export interface OpenStoreOptions {
  /** SQLite only: `FULL` (default) or `NORMAL`. */
  synchronous?: SqliteSynchronous | undefined;
  /** SQLite only: how long a write waits for a lock held by another connection. */
  busyTimeoutMs?: number | undefined;
  /** Overrides the store's default retention (see `defaultRetention`), field by field. */
  retention?: RetentionPolicy | undefined;
  /** Where relative `sqlite:` paths start. Default: the process's working directory. */
  cwd?: string | undefined;
  onListenerError?: LocalBrokerOptions['onListenerError'];
}

export interface OpenedStore {
  store: Store;
  broker: Broker;
  /** The policy the hub should pass to `store.prune` periodically (defaults filled in). */
  retention: RetentionPolicy;
  /**
   * Scheduled publications, in the same storage as the events (same SQLite file, own connection
   * and table), so a restart or a second process sharing the file finds them.
   */
  schedules: ScheduleStore;
}

/**
 * The memory store must stay bounded (its cap is enforced on every append, not only when pruned);
 * a disk-backed history is kept until the operator asks otherwise, as Mercure's Bolt transport does.
 */
export const DEFAULT_MEMORY_MAX_EVENTS = 10_000;

export function defaultRetention(location: StoreLocation): RetentionPolicy {
  return location.kind === 'memory' ? { maxEvents: DEFAULT_MEMORY_MAX_EVENTS } : {};
}

/** `memory`, `sqlite:PATH` (relative to `cwd`), `sqlite:///ABSOLUTE/PATH`, or `sqlite::memory:`. */
export function parseStoreUrl(url: string, cwd: string = process.cwd()): StoreLocation {
  if (url === 'memory' || url === 'memory:') return { kind: 'memory' };
  if (url.startsWith('sqlite:')) {
    const rest = url.slice('sqlite:'.length);
    if (rest === ':memory:') return { kind: 'sqlite', path: ':memory:' };
    // `sqlite:///var/lib/herald.db` is the URL spelling of an absolute path; `sqlite://host/...`
    // would name a host, which a file database cannot have.
    const path = rest.startsWith('//') ? (rest.startsWith('///') ? rest.slice(2) : '') : rest;
    if (path.trim() !== '' && !path.includes('\0')) {
      return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
    }
  }
  throw new StoreError(
    'INVALID_URL',
    `Unsupported store URL ${JSON.stringify(url)}: expected "memory", "sqlite:PATH" or "sqlite::memory:"`,
  );
}

export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const location = parseStoreUrl(url, options.cwd);
  const retention = { ...defaultRetention(location), ...definedFields(options.retention) };
  checkRetention(retention, 0);
  const broker = new LocalBroker({ onListenerError: options.onListenerError });
  if (location.kind === 'memory') {
    const store = new MemoryStore({ maxEvents: retention.maxEvents });
    return { store, broker, retention, schedules: new MemoryScheduleStore() };
  }
  const { SqliteStore } = await import('./sqlite.js');
  const store = SqliteStore.open(location.path, {
    synchronous: options.synchronous,
    busyTimeoutMs: options.busyTimeoutMs,
  });
  const { SqliteScheduleStore } = await import('./schedule-sqlite.js');
  const schedules = new SqliteScheduleStore(location.path, { busyTimeoutMs: options.busyTimeoutMs });
  return { store, broker, retention, schedules };
}

function definedFields(policy: RetentionPolicy | undefined): RetentionPolicy {
  const result: RetentionPolicy = {};
  if (policy?.maxEvents !== undefined) result.maxEvents = policy.maxEvents;
  if (policy?.maxAgeMs !== undefined) result.maxAgeMs = policy.maxAgeMs;
  return result;
}

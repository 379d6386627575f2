/**
 * Turns a store URL (`--store` on the command line) into a Store and its Broker. Adapters are
 * imported on demand, so a hub on the memory store never loads the native better-sqlite3 module
 * nor the Redis client.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Broker, RetentionPolicy, Store } from '../hub/index.js';
import type { ScheduleStore } from '../schedule/index.js';
import { StoreError } from './errors.js';
import { LocalBroker, type LocalBrokerOptions } from './local-broker.js';
import { MemoryStore } from './memory.js';
import { redactedUrl } from './redacted-url.js';
import { checkRetention } from './retention.js';
import { MemoryScheduleStore } from './schedule-memory.js';
import type { SqliteSynchronous } from './sqlite.js';

export type StoreLocation =
  | { kind: 'memory' }
  | { kind: 'sqlite'; path: string }
  | { kind: 'redis'; url: string };

export interface OpenStoreOptions {
  /** SQLite only: `FULL` (default) or `NORMAL`. */
  synchronous?: SqliteSynchronous | undefined;
  /** SQLite only: how long a write waits for a lock held by another connection. */
  busyTimeoutMs?: number | undefined;
  /** Overrides the store's default retention (see `defaultRetention`), field by field. */
  retention?: RetentionPolicy | undefined;
  /** Where relative `sqlite:` paths start. Default: the process's working directory. */
  cwd?: string | undefined;
  /** Redis only: the prefix of every key (default `herald:`), so several hubs can share a database. */
  redisKeyPrefix?: string | undefined;
  onListenerError?: LocalBrokerOptions['onListenerError'];
}

export interface OpenedStore {
  store: Store;
  broker: Broker;
  /** The policy the hub should pass to `store.prune` periodically (defaults filled in). */
  retention: RetentionPolicy;
  /**
   * Scheduled publications, in the same storage as the events (same SQLite file, own connection
   * and table), so a restart or a second process sharing the file finds them. Absent for Redis:
   * schedules are not kept in Redis yet, so `createHub` falls back to a memory ScheduleStore (lost
   * on restart, not shared between processes).
   */
  schedules?: ScheduleStore | undefined;
}

/**
 * The memory store must stay bounded (its cap is enforced on every append, not only when pruned);
 * a disk-backed history is kept until the operator asks otherwise, as Mercure's Bolt transport does.
 */
export const DEFAULT_MEMORY_MAX_EVENTS = 10_000;
/** Redis keeps the history in RAM: bounded by default too, pruned by the hub's retention timer. */
export const DEFAULT_REDIS_MAX_EVENTS = 100_000;

export function defaultRetention(location: StoreLocation): RetentionPolicy {
  if (location.kind === 'memory') return { maxEvents: DEFAULT_MEMORY_MAX_EVENTS };
  if (location.kind === 'redis') return { maxEvents: DEFAULT_REDIS_MAX_EVENTS };
  return {};
}

/**
 * `memory`, `sqlite:PATH` (relative to `cwd`), `sqlite:///ABSOLUTE/PATH`, `sqlite::memory:`, or
 * `redis://[user:password@]host[:port][/db]` (`rediss://` for TLS).
 */
export function parseStoreUrl(url: string, cwd: string = process.cwd()): StoreLocation {
  if (url === 'memory' || url === 'memory:') return { kind: 'memory' };
  if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    const location = parseRedisUrl(url);
    if (location !== undefined) return location;
  }
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
    `Unsupported store URL ${JSON.stringify(redactedUrl(url))}: expected "memory", "sqlite:PATH", "sqlite::memory:" or "redis://HOST:PORT/DB"`,
  );
}

export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const location = parseStoreUrl(url, options.cwd);
  const retention = { ...defaultRetention(location), ...definedFields(options.retention) };
  checkRetention(retention, 0);
  if (location.kind === 'redis') return openRedis(location.url, retention, options);
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

/** A host, and at most a database number as the path. */
function parseRedisUrl(url: string): StoreLocation | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const isDatabase = /^\/?(\d+)?$/.test(parsed.pathname);
  if (parsed.hostname === '' || !isDatabase || parsed.search !== '' || parsed.hash !== '') return undefined;
  return { kind: 'redis', url };
}

/**
 * Store and Broker on one Redis stream: the broker tails what any process's store appended. No
 * `schedules`: Redis does not keep schedules yet (see `OpenedStore.schedules`).
 */
async function openRedis(
  url: string,
  retention: RetentionPolicy,
  options: OpenStoreOptions,
): Promise<OpenedStore> {
  const { RedisStore } = await import('./redis.js');
  const { RedisBroker } = await import('./redis-broker.js');
  const keyPrefix = options.redisKeyPrefix;
  const store = await RedisStore.open(url, { keyPrefix });
  try {
    const broker = await RedisBroker.open(url, { keyPrefix, onListenerError: options.onListenerError });
    return { store, broker, retention };
  } catch (error) {
    await store.close();
    throw error;
  }
}

function definedFields(policy: RetentionPolicy | undefined): RetentionPolicy {
  const result: RetentionPolicy = {};
  if (policy?.maxEvents !== undefined) result.maxEvents = policy.maxEvents;
  if (policy?.maxAgeMs !== undefined) result.maxAgeMs = policy.maxAgeMs;
  return result;
}

/**
 * Turns a store URL (`--store` on the command line) into a Store and its Broker. Adapters are
 * imported on demand, so a hub on the memory store loads no SQLite driver (node:sqlite or the
 * native better-sqlite3, chosen by sqlite-driver.ts) nor the Redis client.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Broker, RetentionPolicy, Store, SubscriberDirectory } from '../hub/index.js';
import type { ScheduleStore } from '../schedule/index.js';
import { StoreError } from './errors.js';
import { LocalBroker, type LocalBrokerOptions } from './local-broker.js';
import { MemoryStore } from './memory.js';
import { redactedUrl } from './redacted-url.js';
import type { RedisBroker } from './redis-broker.js';
import type { RedisSubscriberDirectoryOptions } from './redis-subscribers.js';
import { checkRetention } from './retention.js';
import { MemoryScheduleStore } from './schedule-memory.js';
import type { SqliteSynchronous } from './sqlite.js';
import type { SqliteDriverChoice } from './sqlite-driver.js';

export type StoreLocation =
  | { kind: 'memory' }
  | { kind: 'sqlite'; path: string }
  | { kind: 'redis'; url: string };

export interface OpenStoreOptions {
  /** SQLite only: `FULL` (default) or `NORMAL`. */
  synchronous?: SqliteSynchronous | undefined;
  /** SQLite only: how long a write waits for a lock held by another connection. */
  busyTimeoutMs?: number | undefined;
  /** SQLite only: the driver. Default: `HERALD_SQLITE_DRIVER`, else `auto` (see sqlite-driver.ts). */
  sqliteDriver?: SqliteDriverChoice | undefined;
  /** Overrides the store's default retention (see `defaultRetention`), field by field. */
  retention?: RetentionPolicy | undefined;
  /** Where relative `sqlite:` paths start. Default: the process's working directory. */
  cwd?: string | undefined;
  /** Redis only: the prefix of every key (default `herald:`), so several hubs can share a database. */
  redisKeyPrefix?: string | undefined;
  /** Redis only: the subscriber directory's node id, heartbeat Timers and TTL, list cap. */
  redisSubscribers?: Omit<RedisSubscriberDirectoryOptions, 'keyPrefix'> | undefined;
  onListenerError?: LocalBrokerOptions['onListenerError'];
}

export interface OpenedStore {
  store: Store;
  broker: Broker;
  /** The policy the hub should pass to `store.prune` periodically (defaults filled in). */
  retention: RetentionPolicy;
  /**
   * Scheduled publications, in the same storage as the events (same SQLite file, own connection
   * and table; same Redis and key prefix, own connection), so a restart or another process sharing
   * the storage finds them. Optional for a store an application passes: `createHub` then falls back
   * to a memory ScheduleStore (lost on restart, not shared between processes).
   */
  schedules?: ScheduleStore | undefined;
  /**
   * Redis only: the open subscribers of every hub process on the same Redis and key prefix (the
   * subscriptions API, the cluster gauges), for `createHub` to give the hub. Absent: the hub keeps
   * a directory of its own process's subscribers.
   */
  subscriberDirectory?: SubscriberDirectory | undefined;
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
    driver: options.sqliteDriver,
  });
  const { SqliteScheduleStore } = await import('./schedule-sqlite.js');
  const schedules = new SqliteScheduleStore(location.path, {
    busyTimeoutMs: options.busyTimeoutMs,
    driver: options.sqliteDriver,
  });
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
 * Store and Broker on one Redis stream: the broker tails what any process's store appended. The
 * schedules live under the same key prefix, on their own connection (`RedisScheduleStore`).
 */
async function openRedis(
  url: string,
  retention: RetentionPolicy,
  options: OpenStoreOptions,
): Promise<OpenedStore> {
  const [{ RedisStore }, { RedisBroker }, { RedisScheduleStore }, { RedisSubscriberDirectory }] =
    await Promise.all([
      import('./redis.js'),
      import('./redis-broker.js'),
      import('./schedule-redis.js'),
      import('./redis-subscribers.js'),
    ]);
  const keyPrefix = options.redisKeyPrefix;
  // Each handle has its own connection; if one fails to open, those already open are closed.
  const opened: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(handle: T): T => {
    opened.push(handle);
    return handle;
  };
  // The broker opens after the store; until then the store's own appends are its only floor.
  let broker: RedisBroker | undefined;
  try {
    const schedules = track(await RedisScheduleStore.open(url, { keyPrefix }));
    const cursorFloor = () => broker?.deliveredCursor ?? 0;
    const store = track(await RedisStore.open(url, { keyPrefix, cursorFloor }));
    broker = track(await RedisBroker.open(url, { keyPrefix, onListenerError: options.onListenerError }));
    const subscriberDirectory = track(
      await RedisSubscriberDirectory.open(url, { ...options.redisSubscribers, keyPrefix }),
    );
    return { store, broker, retention, schedules, subscriberDirectory };
  } catch (error) {
    await Promise.allSettled(opened.map((handle) => handle.close()));
    throw error;
  }
}

function definedFields(policy: RetentionPolicy | undefined): RetentionPolicy {
  const result: RetentionPolicy = {};
  if (policy?.maxEvents !== undefined) result.maxEvents = policy.maxEvents;
  if (policy?.maxAgeMs !== undefined) result.maxAgeMs = policy.maxAgeMs;
  return result;
}

/**
 * The SubscriberDirectory on Redis: every hub process on the same Redis and key prefix (a node)
 * records its open subscribers there, so the subscriptions API and the cluster gauges of any node
 * see those of all of them.
 *
 * Keys (under the prefix P, named in `redis-keys.ts`):
 * - `P:nodes`: set of the node ids that registered; a read drops the ones no longer live.
 * - `P:node:<nodeId>`: the node's heartbeat, set with PX `ttlMs` and refreshed every `ttlMs / 3` on
 *   the injected Timers. The node is live while it exists, so a process that died without closing
 *   drops out within `ttlMs` (default 6 s).
 * - `P:subscribers:<nodeId>`: hash, subscriber id -> entry, JSON `{"t":subscribedAtMs,"s":[[kind,
 *   raw, payload?], ...]}` (one triple per selector). PEXPIRE `ttlMs` with every heartbeat and every
 *   write, so it never outlives its heartbeat for long.
 *
 * Writes never hold up a subscription: `add` and `remove` only mark the id, and the changes of one
 * event-loop turn go out in one MULTI (HSET/HDEL in chunks, PEXPIRE) from a `setImmediate` taken
 * at module load (like the flush batcher's, so fake timers never stall it). Writes run one at a
 * time on this directory's own connection, in order. When one fails (Redis down), the changes
 * are dropped and the node is marked out of sync: the next heartbeat that reaches Redis rewrites
 * its whole hash in one MULTI (DEL, HSET in chunks, heartbeat), and so does a heartbeat that finds
 * its key gone (expired while the process stalled, or Redis lost its data).
 *
 * Reads: this node's subscribers come from memory (always current); the other live nodes' from
 * Redis. One script lists the live nodes with their HLEN (and drops the dead ones); `list()` then
 * HSCANs their hashes until it holds `maxListed` subscribers (default 10,000); `find()` is one
 * script (HGET on each live node). A read while Redis is down rejects with UNAVAILABLE.
 *
 * Like the store, not for Redis Cluster: the scripts touch keys they do not declare.
 */
import { randomUUID } from 'node:crypto';
import { systemTimers, type Timers } from '../clock/index.js';
import {
  DEFAULT_MAX_LISTED_SUBSCRIBERS,
  type DirectoryEntry,
  type DirectoryMember,
  type DirectoryStats,
  type DirectorySubscription,
  directoryEntryOf,
  type SelectorKind,
  type SubscriberDirectory,
} from '../hub/index.js';
import { closedError, StoreError } from './errors.js';
import { connectRedis, type RedisConnection, unavailable } from './redis-connection.js';
import { DEFAULT_REDIS_KEY_PREFIX, type RedisKeys, redisKeys } from './redis-keys.js';

export interface RedisSubscriberDirectoryOptions {
  /** The store's key prefix: nodes under one prefix see each other. Default `herald:`. */
  keyPrefix?: string | undefined;
  /** This node's id, unique among the nodes. Default: a random UUID per process. */
  nodeId?: string | undefined;
  /** What the heartbeat waits on. Default: the system timers (unref'd). */
  timers?: Timers | undefined;
  /** How long a node stays live without a heartbeat. Default 6 s; heartbeats every third of it. */
  ttlMs?: number | undefined;
  /** At most this many subscribers per `list()`. Default `DEFAULT_MAX_LISTED_SUBSCRIBERS`. */
  maxListed?: number | undefined;
}

export const DEFAULT_NODE_TTL_MS = 6_000;
/** Fields per HSET or HDEL of a write, so a burst is several commands, none of them huge. */
const WRITE_CHUNK = 500;
/** COUNT hint of each HSCAN of a `list()`. */
const SCAN_COUNT = 500;

/** Taken at module load: fake timers installed later never stall the writes. */
const writeSoon = globalThis.setImmediate;

/**
 * KEYS[1]: the node set. ARGV: heartbeat key prefix, hash prefix, this node's id. Returns the other
 * live nodes as [id, HLEN, id, HLEN, ...]; forgets the dead ones (and deletes their hashes).
 */
const LIVE_NODES_SCRIPT = `
local live = {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if node ~= ARGV[3] then
    if redis.call('EXISTS', ARGV[1] .. node) == 1 then
      live[#live + 1] = node
      live[#live + 1] = redis.call('HLEN', ARGV[2] .. node)
    else
      redis.call('SREM', KEYS[1], node)
      redis.call('DEL', ARGV[2] .. node)
    end
  end
end
return live
`;

/** KEYS[1]: the node set. ARGV: heartbeat prefix, hash prefix, this node's id, the subscriber id. */
const FIND_SCRIPT = `
local found = {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if node ~= ARGV[3] and redis.call('EXISTS', ARGV[1] .. node) == 1 then
    local entry = redis.call('HGET', ARGV[2] .. node, ARGV[4])
    if entry then found[#found + 1] = entry end
  end
end
return found
`;

export class RedisSubscriberDirectory implements SubscriberDirectory {
  readonly nodeId: string;
  readonly #client: RedisConnection;
  readonly #keys: RedisKeys;
  readonly #heartbeatKey: string;
  readonly #hashKey: string;
  readonly #timers: Timers;
  readonly #ttlMs: number;
  readonly #maxListed: number;
  /** This node's open subscribers: the truth its hash is rewritten from. */
  readonly #members = new Map<string, DirectoryMember>();
  /** Ids added or removed since the last write. */
  readonly #changed = new Set<string>();
  #isWriteScheduled = false;
  /** The writes, one at a time, in order. */
  #writes: Promise<unknown> = Promise.resolve();
  /** False after a failed write or a lost heartbeat: the next heartbeat rewrites everything. */
  #isSynced = false;
  #timer: unknown;
  #isClosed = false;

  private constructor(client: RedisConnection, options: RedisSubscriberDirectoryOptions) {
    this.#client = client;
    this.nodeId = options.nodeId ?? randomUUID();
    this.#keys = redisKeys(options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX);
    this.#heartbeatKey = this.#keys.nodePrefix + this.nodeId;
    this.#hashKey = this.#keys.subscribersPrefix + this.nodeId;
    this.#timers = options.timers ?? systemTimers;
    this.#ttlMs = options.ttlMs ?? DEFAULT_NODE_TTL_MS;
    this.#maxListed = options.maxListed ?? DEFAULT_MAX_LISTED_SUBSCRIBERS;
  }

  /** Connects, registers this node (heartbeat), and starts its heartbeat timer. */
  static async open(
    url: string,
    options: RedisSubscriberDirectoryOptions = {},
  ): Promise<RedisSubscriberDirectory> {
    const ttlMs = options.ttlMs ?? DEFAULT_NODE_TTL_MS;
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 3) {
      throw new StoreError('INVALID_ARGUMENT', `ttlMs must be an integer of at least 3, got ${ttlMs}`);
    }
    const client = await connectRedis(url);
    const directory = new RedisSubscriberDirectory(client, options);
    if (!(await directory.#enqueue(() => directory.#rewrite()))) {
      client.destroy();
      throw new StoreError('OPEN_FAILED', 'Cannot register this hub in the Redis subscriber directory');
    }
    directory.#armHeartbeat();
    return directory;
  }

  add(member: DirectoryMember): void {
    if (this.#isClosed) return;
    this.#members.set(member.id, member);
    this.#changed.add(member.id);
    this.#scheduleWrite();
  }

  remove(member: DirectoryMember): void {
    if (this.#isClosed || this.#members.get(member.id) !== member) return;
    this.#members.delete(member.id);
    this.#changed.add(member.id);
    this.#scheduleWrite();
  }

  async list(): Promise<DirectoryEntry[]> {
    this.#checkOpen();
    const entries: DirectoryEntry[] = [];
    for (const member of this.#members.values()) {
      if (entries.length >= this.#maxListed) return entries;
      entries.push(directoryEntryOf(member));
    }
    for (const [node] of await this.#otherLiveNodes()) {
      const seen = new Set<string>();
      let cursor = '0';
      do {
        const [next, fields] = (await this.#read([
          'HSCAN',
          this.#keys.subscribersPrefix + node,
          cursor,
          'COUNT',
          String(SCAN_COUNT),
        ])) as [string, string[]];
        cursor = next;
        for (let i = 0; i + 1 < fields.length; i += 2) {
          const id = fields[i]!;
          // HSCAN may return a field twice (the hash was resized meanwhile).
          if (seen.has(id)) continue;
          seen.add(id);
          const entry = decodeEntry(id, fields[i + 1]!);
          if (entry === undefined) continue;
          if (entries.length >= this.#maxListed) return entries;
          entries.push(entry);
        }
      } while (cursor !== '0');
    }
    return entries;
  }

  async find(subscriberId: string): Promise<DirectoryEntry[]> {
    this.#checkOpen();
    const local = this.#members.get(subscriberId);
    const remote = (await this.#read([
      'EVAL',
      FIND_SCRIPT,
      '1',
      this.#keys.nodes,
      this.#keys.nodePrefix,
      this.#keys.subscribersPrefix,
      this.nodeId,
      subscriberId,
    ])) as string[];
    const found = remote.flatMap((value) => decodeEntry(subscriberId, value) ?? []);
    return local === undefined ? found : [directoryEntryOf(local), ...found];
  }

  async stats(): Promise<DirectoryStats> {
    this.#checkOpen();
    let subscribers = this.#members.size;
    const others = await this.#otherLiveNodes();
    for (const [, count] of others) subscribers += count;
    return { nodes: 1 + others.length, subscribers };
  }

  /** Stops the heartbeat and withdraws this node at once (its keys deleted; they expire otherwise). */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#members.clear();
    this.#changed.clear();
    await this.#writes;
    await this.#client
      .multi()
      .addCommand(['DEL', this.#hashKey, this.#heartbeatKey])
      .addCommand(['SREM', this.#keys.nodes, this.nodeId])
      .exec()
      .catch(() => {});
    await this.#client.close().catch(() => this.#client.destroy());
  }

  /** The other live nodes and how many subscribers each has. */
  async #otherLiveNodes(): Promise<[string, number][]> {
    const reply = (await this.#read([
      'EVAL',
      LIVE_NODES_SCRIPT,
      '1',
      this.#keys.nodes,
      this.#keys.nodePrefix,
      this.#keys.subscribersPrefix,
      this.nodeId,
    ])) as (string | number)[];
    const nodes: [string, number][] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) nodes.push([String(reply[i]), Number(reply[i + 1])]);
    return nodes.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  async #read(command: string[]): Promise<unknown> {
    try {
      return await this.#client.sendCommand(command);
    } catch (error) {
      if (this.#isClosed) throw closedError('The subscriber directory');
      throw unavailable(error);
    }
  }

  #checkOpen(): void {
    if (this.#isClosed) throw closedError('The subscriber directory');
  }

  #scheduleWrite(): void {
    if (this.#isWriteScheduled) return;
    this.#isWriteScheduled = true;
    writeSoon(() => {
      this.#isWriteScheduled = false;
      void this.#enqueue(() => this.#writeChanges());
    });
  }

  /** Runs `task` once the writes queued before it are done (the tasks catch their own failures). */
  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(task);
    this.#writes = run.catch(() => {});
    return run;
  }

  /** Writes the changes since the last write, in one MULTI. */
  async #writeChanges(): Promise<void> {
    if (this.#isClosed || this.#changed.size === 0) return;
    // Out of sync: the next heartbeat rewrites the whole hash from `#members`.
    if (!this.#isSynced) {
      this.#changed.clear();
      return;
    }
    const sets: string[] = [];
    const deletes: string[] = [];
    for (const id of this.#changed) {
      const member = this.#members.get(id);
      if (member === undefined) deletes.push(id);
      else sets.push(id, encodeEntry(member));
    }
    this.#changed.clear();
    const multi = this.#client.multi();
    for (let i = 0; i < sets.length; i += 2 * WRITE_CHUNK) {
      multi.addCommand(['HSET', this.#hashKey, ...sets.slice(i, i + 2 * WRITE_CHUNK)]);
    }
    for (let i = 0; i < deletes.length; i += WRITE_CHUNK) {
      multi.addCommand(['HDEL', this.#hashKey, ...deletes.slice(i, i + WRITE_CHUNK)]);
    }
    multi.addCommand(['PEXPIRE', this.#hashKey, String(this.#ttlMs)]);
    try {
      await multi.exec();
    } catch {
      this.#isSynced = false;
    }
  }

  /** Rewrites this node's hash from memory and refreshes its heartbeat, in one MULTI. */
  async #rewrite(): Promise<boolean> {
    if (this.#isClosed) return false;
    this.#changed.clear();
    const fields: string[] = [];
    for (const [id, member] of this.#members) fields.push(id, encodeEntry(member));
    const multi = this.#client.multi().addCommand(['DEL', this.#hashKey]);
    for (let i = 0; i < fields.length; i += 2 * WRITE_CHUNK) {
      multi.addCommand(['HSET', this.#hashKey, ...fields.slice(i, i + 2 * WRITE_CHUNK)]);
    }
    multi
      .addCommand(['PEXPIRE', this.#hashKey, String(this.#ttlMs)])
      .addCommand(['SET', this.#heartbeatKey, '1', 'PX', String(this.#ttlMs)])
      .addCommand(['SADD', this.#keys.nodes, this.nodeId]);
    try {
      await multi.exec();
      this.#isSynced = true;
    } catch {
      this.#isSynced = false;
    }
    return this.#isSynced;
  }

  /** Refreshes the heartbeat; rewrites everything when out of sync or when the heartbeat was gone. */
  async #heartbeat(): Promise<void> {
    if (this.#isClosed) return;
    if (!this.#isSynced) {
      await this.#rewrite();
      return;
    }
    try {
      const [refreshed] = (await this.#client
        .multi()
        .addCommand(['PEXPIRE', this.#heartbeatKey, String(this.#ttlMs)])
        .addCommand(['PEXPIRE', this.#hashKey, String(this.#ttlMs)])
        .addCommand(['SADD', this.#keys.nodes, this.nodeId])
        .exec()) as unknown[];
      // The heartbeat had expired (a stall longer than the TTL) or Redis lost its data.
      if (Number(refreshed) !== 1) await this.#rewrite();
    } catch {
      this.#isSynced = false;
    }
  }

  #armHeartbeat(): void {
    if (this.#isClosed) return;
    this.#timer = this.#timers.setTimeout(
      () => {
        this.#timer = undefined;
        void this.#enqueue(() => this.#heartbeat()).finally(() => this.#armHeartbeat());
      },
      Math.max(1, Math.floor(this.#ttlMs / 3)),
    );
  }
}

/** One member as its hash value: `{"t":subscribedAtMs,"s":[[kind, raw, payload?], ...]}`. */
function encodeEntry(member: DirectoryMember): string {
  const subscriptions = member.selectors.map((selector) => {
    const payload = member.payloadOf(selector);
    return payload === undefined ? [selector.kind, selector.raw] : [selector.kind, selector.raw, payload];
  });
  try {
    return JSON.stringify({ t: member.subscribedAtMs, s: subscriptions });
  } catch {
    // A payload JSON cannot write (it came from a token, so hardly): listed without payloads.
    return JSON.stringify({ t: member.subscribedAtMs, s: member.selectors.map((s) => [s.kind, s.raw]) });
  }
}

const SELECTOR_KINDS: ReadonlySet<string> = new Set<SelectorKind>(['exact', 'template', 'urlpattern']);

/** A hash value back into an entry; `undefined` for one this version cannot read. */
function decodeEntry(subscriberId: string, value: string): DirectoryEntry | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  const { t, s } = (parsed ?? {}) as { t?: unknown; s?: unknown };
  if (typeof t !== 'number' || !Array.isArray(s)) return undefined;
  const subscriptions: DirectorySubscription[] = [];
  for (const item of s as unknown[]) {
    if (!Array.isArray(item)) return undefined;
    const [kind, raw, payload] = item as unknown[];
    if (typeof kind !== 'string' || !SELECTOR_KINDS.has(kind) || typeof raw !== 'string') return undefined;
    subscriptions.push({ kind: kind as SelectorKind, raw, payload });
  }
  return { subscriberId, subscribedAtMs: t, subscriptions };
}

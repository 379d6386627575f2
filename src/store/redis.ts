/**
 * The Store on Redis: every hub process sharing the keys shares one history. Each append is one Lua
 * script (`redis-scripts.ts`), atomic on the server: it checks the id rules, takes the next cursor
 * and adds the event to a stream at the id `0-<cursor>`, the log that `RedisBroker` tails. Reads
 * are plain XRANGE/LINDEX. Not for Redis Cluster: the scripts touch per-id keys they do not declare.
 *
 * Durability is Redis's: an append resolves once Redis applied it, which survives a crash of this
 * process but not of an unpersisted Redis. After such a loss the store starts anew, above every
 * cursor it handed out before (see the seed in `redis-scripts.ts`), and ids from before are unknown.
 *
 * Appends go through EVAL with the script's text, never EVALSHA: after a script-cache flush (a Redis
 * restart) EVALSHA fails with NOSCRIPT, and retrying one append while the next one already ran would
 * give them cursors out of call order. One connection per handle keeps its appends in call order.
 */
import { randomUUID } from 'node:crypto';
import type { AppendOptions, Cursor, NewEvent, RetentionPolicy, Store, StoredEvent } from '../hub/index.js';
import { checkPublishedAtMs, checkRange } from './arguments.js';
import { closedError, duplicateIdError } from './errors.js';
import { connectRedis, type RedisConnection, unavailable } from './redis-connection.js';
import {
  DEFAULT_REDIS_KEY_PREFIX,
  decodeEntry,
  encodeContent,
  type RawEntry,
  type RedisKeys,
  redisKeys,
  streamIdOf,
} from './redis-keys.js';
import { APPEND_SCRIPT, HEAD_SCRIPT, PRUNE_SCRIPT } from './redis-scripts.js';
import { ageCutoffMs, checkRetention } from './retention.js';
import { toStoredEvent } from './stored-event.js';

export interface RedisStoreOptions {
  /** Prefix of every key; several hubs (or tests) can share a database under different prefixes. */
  keyPrefix?: string | undefined;
  /**
   * The highest cursor this process knows of besides its own appends: its broker's last delivered
   * cursor (`openStore` wires it). After Redis came back with older data (a restore, a lagging
   * replica), the next cursor is seeded above it, so a process that only received other processes'
   * events does not hand their cursors out again (brokers that delivered them would skip the new ones).
   */
  cursorFloor?: (() => Cursor) | undefined;
}

/** Events dropped per prune script, so one prune never blocks Redis for long. */
const PRUNE_BATCH = 1_000;

/**
 * How long the retention lock lives unless released: longer than a prune takes (batches of a
 * bounded history), short enough that a process dying mid-prune holds no one up for long.
 */
export const PRUNE_LOCK_MS = 30_000;

/** Deletes the lock only when it still holds this handle's token (not one taken after it expired). */
const RELEASE_LOCK_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** How long `ping` waits for PONG: a readiness probe must answer even when Redis does not. */
const PING_TIMEOUT_MS = 1_000;

type AppendReply = ['appended', string] | ['duplicate', RawEntry];

export class RedisStore implements Store {
  readonly #client: RedisConnection;
  readonly #keys: RedisKeys;
  /** The highest cursor this handle has seen: a floor for the seed after a loss. */
  #highestSeen: Cursor = 0;
  readonly #cursorFloor: () => Cursor;
  #isClosed = false;

  private constructor(client: RedisConnection, keys: RedisKeys, cursorFloor: () => Cursor) {
    this.#client = client;
    this.#keys = keys;
    this.#cursorFloor = cursorFloor;
  }

  /** Connects to `url` (`redis://host:port/db`); fails with OPEN_FAILED when Redis does not answer. */
  static async open(url: string, options: RedisStoreOptions = {}): Promise<RedisStore> {
    const client = await connectRedis(url);
    const keys = redisKeys(options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX);
    return new RedisStore(client, keys, options.cursorFloor ?? (() => 0));
  }

  async append(event: NewEvent, publishedAtMs: number, options: AppendOptions = {}): Promise<StoredEvent> {
    this.#checkOpen();
    checkPublishedAtMs(publishedAtMs);
    const keys = this.#keys;
    const reply = (await this.#run(() =>
      this.#client.sendCommand([
        'EVAL',
        APPEND_SCRIPT,
        '5',
        keys.cursor,
        keys.events,
        keys.idPrefix + event.id,
        keys.exclusive,
        keys.published,
        event.id,
        encodeContent(event),
        String(publishedAtMs),
        options.isIdExclusive === true ? '1' : '0',
        String(Math.max(this.#highestSeen, this.#cursorFloor())),
      ]),
    )) as AppendReply;
    if (reply[0] === 'duplicate') throw duplicateIdError(this.#seen(decodeEntry(reply[1])));
    return toStoredEvent(event, this.#see(Number(reply[1])), publishedAtMs);
  }

  async cursorOf(id: string): Promise<Cursor | undefined> {
    this.#checkOpen();
    const first = (await this.#run(() =>
      this.#client.sendCommand(['LINDEX', this.#keys.idPrefix + id, '0']),
    )) as string | null;
    return first === null ? undefined : this.#see(Number(first));
  }

  async readRange(after: Cursor, upTo: Cursor, limit: number): Promise<StoredEvent[]> {
    this.#checkOpen();
    checkRange(after, upTo, limit);
    if (upTo <= after) return [];
    const entries = (await this.#run(() =>
      this.#client.sendCommand([
        'XRANGE',
        this.#keys.events,
        `(${streamIdOf(after)}`,
        streamIdOf(upTo),
        'COUNT',
        String(limit),
      ]),
    )) as RawEntry[];
    const events = entries.map(decodeEntry);
    const last = events.at(-1);
    if (last !== undefined) this.#see(last.cursor);
    return events;
  }

  async headCursor(): Promise<Cursor> {
    this.#checkOpen();
    const head = (await this.#run(() =>
      this.#client.sendCommand(['EVAL', HEAD_SCRIPT, '2', this.#keys.cursor, this.#keys.events]),
    )) as string;
    return this.#see(Number(head));
  }

  /**
   * One process prunes at a time: the hub prunes on a timer in every process, and the work would be
   * the same in each. A prune first takes the retention lock (SET NX PX with a random token,
   * `PRUNE_LOCK_MS`); while another handle holds it, this one drops nothing and returns 0. The lock
   * saves work, not correctness: each batch is one atomic script dropping the oldest, so prunes that
   * overlap (a lock that expired mid-prune) still keep a gap-free suffix.
   */
  async prune(policy: RetentionPolicy, nowMs: number): Promise<number> {
    this.#checkOpen();
    checkRetention(policy, nowMs);
    const cutoffMs = ageCutoffMs(policy, nowMs);
    if (policy.maxEvents === undefined && cutoffMs === undefined) return 0;
    const token = randomUUID();
    const lock = this.#keys.pruneLock;
    const taken = await this.#run(() =>
      this.#client.sendCommand(['SET', lock, token, 'NX', 'PX', String(PRUNE_LOCK_MS)]),
    );
    if (taken === null) return 0;
    try {
      return await this.#pruneBatches(policy, cutoffMs);
    } finally {
      // Not released (Redis down, the store closed meanwhile): it expires by itself.
      await this.#client.sendCommand(['EVAL', RELEASE_LOCK_SCRIPT, '1', lock, token]).catch(() => {});
    }
  }

  async #pruneBatches(policy: RetentionPolicy, cutoffMs: number | undefined): Promise<number> {
    const keys = this.#keys;
    let total = 0;
    // Bounded: each round drops a full batch of a finite history, or ends.
    for (;;) {
      const dropped = (await this.#run(() =>
        this.#client.sendCommand([
          'EVAL',
          PRUNE_SCRIPT,
          '3',
          keys.events,
          keys.published,
          keys.exclusive,
          String(policy.maxEvents ?? -1),
          cutoffMs === undefined ? '' : String(cutoffMs),
          String(PRUNE_BATCH),
          keys.idPrefix,
        ]),
      )) as number;
      total += dropped;
      if (dropped < PRUNE_BATCH) return total;
    }
  }

  /**
   * PING, bounded by PING_TIMEOUT_MS: on a connection that is down it fails at once (no offline
   * queue), on one that went silent (a half-open socket, a stalled server) it times out.
   */
  async ping(): Promise<void> {
    this.#checkOpen();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer to PING within ${PING_TIMEOUT_MS} ms`)),
        PING_TIMEOUT_MS,
      );
    });
    try {
      // A PING that answers after the timeout is dropped; race's handlers keep its rejection handled.
      await this.#run(() => Promise.race([this.#client.sendCommand(['PING']), timeout]));
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    // Waits for the replies of commands already sent; a connection that is down is just dropped.
    await this.#client.close().catch(() => this.#client.destroy());
  }

  #checkOpen(): void {
    if (this.#isClosed) throw closedError('The store');
  }

  async #run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      if (this.#isClosed) throw closedError('The store');
      throw unavailable(error);
    }
  }

  #see(cursor: Cursor): Cursor {
    if (cursor > this.#highestSeen) this.#highestSeen = cursor;
    return cursor;
  }

  #seen(event: StoredEvent): StoredEvent {
    this.#see(event.cursor);
    return event;
  }
}

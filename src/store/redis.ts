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
}

/** Events dropped per prune script, so one prune never blocks Redis for long. */
const PRUNE_BATCH = 1_000;

type AppendReply = ['appended', string] | ['duplicate', RawEntry];

export class RedisStore implements Store {
  readonly #client: RedisConnection;
  readonly #keys: RedisKeys;
  /** The highest cursor this handle has seen: a floor for the seed after a loss. */
  #highestSeen: Cursor = 0;
  #isClosed = false;

  private constructor(client: RedisConnection, keys: RedisKeys) {
    this.#client = client;
    this.#keys = keys;
  }

  /** Connects to `url` (`redis://host:port/db`); fails with OPEN_FAILED when Redis does not answer. */
  static async open(url: string, options: RedisStoreOptions = {}): Promise<RedisStore> {
    const client = await connectRedis(url);
    return new RedisStore(client, redisKeys(options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX));
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
        String(this.#highestSeen),
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

  async prune(policy: RetentionPolicy, nowMs: number): Promise<number> {
    this.#checkOpen();
    checkRetention(policy, nowMs);
    const cutoffMs = ageCutoffMs(policy, nowMs);
    if (policy.maxEvents === undefined && cutoffMs === undefined) return 0;
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

/**
 * The Broker over Redis: every hub process tails the store's stream (`RedisStore`), so each one
 * delivers every event, whichever process appended it, in cursor order, exactly once.
 *
 * A dedicated connection runs XREAD BLOCK from the last cursor delivered (the stream's head when
 * the broker opened). When Redis goes away, the loop retries with backoff and resumes from that
 * cursor: nothing is delivered twice, and nothing is missed unless retention dropped it meanwhile.
 *
 * `publish` (this process's own appends, in cursor order) is a shortcut, not the source: an event
 * whose cursor directly follows the last one delivered goes to the listeners at once, without the
 * round trip through Redis, and the tailer skips it later. Any other cursor is left to the tailer,
 * which reads it from the stream once the events before it (other processes' ones) are there.
 *
 * Delivery is synchronous per event, as in `LocalBroker`: a publish from inside a listener (a relay)
 * is queued until the current event reached every listener.
 *
 * Readiness (`ping`) is the tailer's state, with no round trip (its connection is busy with the
 * blocking read): not ready from a failed read until a read is issued again on a connected socket.
 * The reconnected client wakes the tailer from its retry delay, so it resumes at once.
 */
import type { Broker, Cursor, StoredEvent } from '../hub/index.js';
import { closedError, StoreError } from './errors.js';
import { type Listener, type ListenerErrorHandler, Listeners } from './listeners.js';
import { connectRedis, type RedisConnection } from './redis-connection.js';
import { DEFAULT_REDIS_KEY_PREFIX, decodeEntry, type RawEntry, redisKeys, streamIdOf } from './redis-keys.js';
import { HEAD_SCRIPT } from './redis-scripts.js';

export interface RedisBrokerOptions {
  keyPrefix?: string | undefined;
  /** Told about a listener that threw; the others still get the event. Default: a process warning. */
  onListenerError?: ListenerErrorHandler | undefined;
}

/** How long one XREAD blocks before it is issued again (a dead socket shows up by then). */
const BLOCK_MS = 5_000;
/** A reader connection silent this long past a BLOCK is dead: it is dropped and reconnected. */
const IDLE_MARGIN_MS = 5_000;
/** Entries read per XREAD. */
const READ_COUNT = 256;
/** Retry delays after a failed read: doubling, capped. */
const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 2_000;

export class RedisBroker implements Broker {
  readonly #reader: RedisConnection;
  readonly #streamKey: string;
  readonly #listeners: Listeners;
  /** The cursor of the last event handed to the listeners (or skipped as already there at open). */
  #delivered: Cursor;
  readonly #queued: StoredEvent[] = [];
  #isDispatching = false;
  #isClosed = false;
  readonly #tailing: Promise<void>;
  #wakeRetry: (() => void) | undefined;
  /** The last read failed, and no read has been issued on a connected socket since. */
  #isReadFailing = false;

  private constructor(reader: RedisConnection, streamKey: string, head: Cursor, options: RedisBrokerOptions) {
    this.#reader = reader;
    this.#streamKey = streamKey;
    this.#delivered = head;
    this.#listeners = new Listeners(options.onListenerError);
    // Reconnected: read again now rather than at the end of the retry delay.
    reader.on('ready', () => this.#wakeRetry?.());
    this.#tailing = this.#tail();
  }

  /** The cursor of the last event handed to the listeners: a floor for the store's next cursor. */
  get deliveredCursor(): Cursor {
    return this.#delivered;
  }

  /** Connects and starts tailing after the stream's current head. */
  static async open(url: string, options: RedisBrokerOptions = {}): Promise<RedisBroker> {
    const reader = await connectRedis(url, BLOCK_MS + IDLE_MARGIN_MS);
    const keys = redisKeys(options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX);
    try {
      const head = (await reader.sendCommand(['EVAL', HEAD_SCRIPT, '2', keys.cursor, keys.events])) as string;
      return new RedisBroker(reader, keys.events, Number(head), options);
    } catch (error) {
      reader.destroy();
      throw new StoreError('OPEN_FAILED', 'Cannot read the head of the Redis stream', { cause: error });
    }
  }

  publish(event: StoredEvent): Promise<void> {
    if (this.#isClosed) return Promise.reject(closedError('The broker'));
    this.#offer(event);
    return Promise.resolve();
  }

  subscribe(listener: Listener): () => void {
    if (this.#isClosed) throw closedError('The broker');
    return this.#listeners.add(listener);
  }

  async ping(): Promise<void> {
    if (this.#isClosed) throw closedError('The broker');
    if (this.#isReadFailing || !this.#reader.isReady) {
      throw new StoreError(
        'UNAVAILABLE',
        'The Redis broker cannot read the stream; it resumes from its last cursor once Redis answers',
      );
    }
  }

  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#listeners.clear();
    this.#reader.destroy();
    this.#wakeRetry?.();
    await this.#tailing;
  }

  /** Delivers `event` if it is the next cursor; anything at or below the last one is already out. */
  #offer(event: StoredEvent): void {
    if (this.#isDispatching) {
      this.#queued.push(event);
      return;
    }
    this.#isDispatching = true;
    try {
      this.#deliverNext(event);
      // Indexed, not iterated: listeners may publish more while we go.
      for (let i = 0; i < this.#queued.length; i++) this.#deliverNext(this.#queued[i]!);
    } finally {
      this.#queued.length = 0;
      this.#isDispatching = false;
    }
  }

  #deliverNext(event: StoredEvent): void {
    if (event.cursor !== this.#delivered + 1) return;
    this.#dispatch(event);
  }

  /** From the stream: in cursor order, but cursors may jump (retention, a seed after a loss). */
  #deliverFromLog(event: StoredEvent): void {
    if (event.cursor <= this.#delivered) return;
    this.#isDispatching = true;
    try {
      this.#dispatch(event);
      for (let i = 0; i < this.#queued.length; i++) this.#deliverNext(this.#queued[i]!);
    } finally {
      this.#queued.length = 0;
      this.#isDispatching = false;
    }
  }

  #dispatch(event: StoredEvent): void {
    this.#delivered = event.cursor;
    this.#listeners.dispatch(event);
  }

  async #tail(): Promise<void> {
    let retryMs = RETRY_FIRST_MS;
    while (!this.#isClosed) {
      try {
        if (this.#reader.isReady) this.#isReadFailing = false;
        const reply = (await this.#reader.sendCommand([
          'XREAD',
          'COUNT',
          String(READ_COUNT),
          'BLOCK',
          String(BLOCK_MS),
          'STREAMS',
          this.#streamKey,
          streamIdOf(this.#delivered),
        ])) as [string, RawEntry[]][] | null;
        retryMs = RETRY_FIRST_MS;
        for (const entry of reply?.[0]?.[1] ?? []) {
          if (this.#isClosed) return;
          this.#deliverFromLog(decodeEntry(entry));
        }
      } catch {
        if (this.#isClosed) return;
        this.#isReadFailing = true;
        await this.#sleep(retryMs);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wakeRetry = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

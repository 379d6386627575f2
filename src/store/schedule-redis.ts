/**
 * The ScheduleStore on Redis: every hub process sharing the keys shares the schedules, beside the
 * event store's keys under the same prefix. Each schedule is a hash; sorted sets index the pending
 * ones by due time, the claimed ones by lease expiry, every one by due time (the list) and the
 * finished ones by creation (the purge); see `schedule-redis-scripts.ts`. Every write is one Lua
 * script, atomic on the server: a claim hands each due schedule to one worker, and completions and
 * renewals take effect only for the worker holding the claim, whichever process it runs in.
 *
 * Scripts go through EVAL with their text, as the event store's: nothing to reload after a Redis
 * restart flushed the script cache. Redis unreachable: every method rejects with a `StoreError`
 * UNAVAILABLE (the connection reconnects by itself), CLOSED after `close()`.
 */
import {
  type Completion,
  DEFAULT_LIST_LIMIT,
  type DeliveryRecord,
  type NewSchedule,
  type Schedule,
  type ScheduledEvent,
  type ScheduleFilter,
  type ScheduleState,
  type ScheduleStore,
  ScheduleStoreError,
} from '../schedule/index.js';
import type { Disambiguation } from '../time/index.js';
import { closedError } from './errors.js';
import { connectRedis, type RedisConnection, unavailable } from './redis-connection.js';
import { DEFAULT_REDIS_KEY_PREFIX } from './redis-keys.js';
import {
  ADD_SCRIPT,
  CANCEL_SCRIPT,
  CLAIM_SCRIPT,
  COMPLETE_SCRIPT,
  LIST_PAGE_SCRIPT,
  NEXT_DUE_SCRIPT,
  PURGE_SCRIPT,
  RENEW_SCRIPT,
  type RedisScheduleKeys,
  redisScheduleKeys,
} from './schedule-redis-scripts.js';

export interface RedisScheduleStoreOptions {
  /** Prefix of every key (default `herald:`): the event store's prefix, to keep a hub's data together. */
  keyPrefix?: string | undefined;
}

/** Schedules read per list script: one page never blocks Redis for long. */
const LIST_PAGE = 200;
/** Finished schedules deleted per purge script. */
const PURGE_BATCH = 1_000;

/** A hash as HGETALL answers it over RESP2: field, value, field, value… */
type RawHash = string[];

export class RedisScheduleStore implements ScheduleStore {
  readonly #client: RedisConnection;
  readonly #keys: RedisScheduleKeys;
  #isClosed = false;

  private constructor(client: RedisConnection, keys: RedisScheduleKeys) {
    this.#client = client;
    this.#keys = keys;
  }

  /** Connects to `url` (`redis://host:port/db`); fails with OPEN_FAILED when Redis does not answer. */
  static async open(url: string, options: RedisScheduleStoreOptions = {}): Promise<RedisScheduleStore> {
    const client = await connectRedis(url);
    return new RedisScheduleStore(client, redisScheduleKeys(options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX));
  }

  async add(schedule: NewSchedule): Promise<Schedule> {
    const fields = encodeSchedule(schedule);
    const keys = this.#keys;
    const added = await this.#eval(
      ADD_SCRIPT,
      [keys.schedulePrefix + schedule.id, keys.pending, keys.all],
      [schedule.id, String(schedule.dueAtMs), ...fields],
    );
    if (added !== 1) throw new ScheduleStoreError('SCHEDULE_DUPLICATE_ID', `schedule ${schedule.id} exists`);
    return decodeSchedule(fields)!;
  }

  async get(id: string): Promise<Schedule | undefined> {
    this.#checkOpen();
    const hash = (await this.#run(() =>
      this.#client.sendCommand(['HGETALL', this.#keys.schedulePrefix + id]),
    )) as RawHash;
    return decodeSchedule(hash);
  }

  /**
   * Walks the list order (due time, then id) one page (one script) at a time, filtering here. Pages
   * are each consistent, not the walk: a schedule that moves (completed to its next occurrence,
   * purged) while the walk is under way may be missed or seen twice, so the result is deduplicated.
   */
  async list(filter: ScheduleFilter = {}): Promise<Schedule[]> {
    this.#checkOpen();
    const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
    const { states, topic, ownerId } = filter;
    if (limit <= 0 || states?.length === 0) return [];
    const found = new Map<string, Schedule>();
    for (let start = 0; ; start += LIST_PAGE) {
      const page = (await this.#eval(
        LIST_PAGE_SCRIPT,
        [this.#keys.all],
        [String(start), String(start + LIST_PAGE - 1), this.#keys.schedulePrefix],
      )) as RawHash[];
      for (const hash of page) {
        const s = decodeSchedule(hash);
        if (s === undefined || found.has(s.id)) continue;
        if (states !== undefined && !states.includes(s.state)) continue;
        if (ownerId !== undefined && s.ownerId !== ownerId) continue;
        if (topic !== undefined && !s.topics.includes(topic)) continue;
        found.set(s.id, s);
        if (found.size >= limit) return [...found.values()];
      }
      if (page.length < LIST_PAGE) return [...found.values()];
    }
  }

  async cancel(id: string, ownerId?: string): Promise<boolean> {
    const keys = this.#keys;
    const cancelled = await this.#eval(
      CANCEL_SCRIPT,
      [keys.schedulePrefix + id, keys.pending, keys.leases, keys.finished],
      [id, ownerId ?? '', ownerId === undefined ? '0' : '1'],
    );
    return cancelled === 1;
  }

  async claimDue(nowMs: number, limit: number, workerId: string, leaseMs: number): Promise<Schedule[]> {
    const keys = this.#keys;
    const claimed = (await this.#eval(
      CLAIM_SCRIPT,
      [keys.pending, keys.leases],
      [String(nowMs), String(limit), workerId, String(nowMs + leaseMs), keys.schedulePrefix],
    )) as RawHash[];
    return claimed.map(decodeSchedule).filter((s) => s !== undefined);
  }

  async complete(
    id: string,
    nextDueMs: number | null,
    workerId: string,
    delivery: DeliveryRecord,
    nextOccurrenceIndex?: number,
  ): Promise<boolean> {
    return (await this.completeAll([{ id, nextDueMs, nextOccurrenceIndex, delivery }], workerId)) === 1;
  }

  async completeAll(completions: readonly Completion[], workerId: string): Promise<number> {
    this.#checkOpen();
    if (completions.length === 0) return 0;
    const keys = this.#keys;
    const args = completions.flatMap(({ id, nextDueMs, nextOccurrenceIndex, delivery }) => [
      id,
      nextDueMs === null ? '' : String(nextDueMs),
      String(delivery.deliveredAtMs),
      String(delivery.lateByMs),
      nextOccurrenceIndex === undefined ? '' : String(nextOccurrenceIndex),
    ]);
    return (await this.#eval(
      COMPLETE_SCRIPT,
      [keys.pending, keys.leases, keys.all, keys.finished],
      [workerId, keys.schedulePrefix, ...args],
    )) as number;
  }

  async renew(ids: readonly string[], workerId: string, nowMs: number, leaseMs: number): Promise<string[]> {
    this.#checkOpen();
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    return (await this.#eval(
      RENEW_SCRIPT,
      [this.#keys.leases],
      [workerId, String(nowMs + leaseMs), this.#keys.schedulePrefix, ...unique],
    )) as string[];
  }

  async nextDueMs(): Promise<number | undefined> {
    const [pending, leases] = (await this.#eval(
      NEXT_DUE_SCRIPT,
      [this.#keys.pending, this.#keys.leases],
      [],
    )) as [string, string];
    const instants = [pending, leases].filter((at) => at !== '').map(Number);
    return instants.length === 0 ? undefined : Math.min(...instants);
  }

  async purgeFinished(beforeMs: number): Promise<number> {
    let total = 0;
    // Bounded: each round deletes a full batch of a finite set, or ends.
    for (;;) {
      const purged = (await this.#eval(
        PURGE_SCRIPT,
        [this.#keys.finished, this.#keys.all],
        [String(beforeMs), String(PURGE_BATCH), this.#keys.schedulePrefix],
      )) as number;
      total += purged;
      if (purged < PURGE_BATCH) return total;
    }
  }

  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    // Waits for the replies of commands already sent; a connection that is down is just dropped.
    await this.#client.close().catch(() => this.#client.destroy());
  }

  #checkOpen(): void {
    if (this.#isClosed) throw closedError('The schedule store');
  }

  async #eval(script: string, keys: string[], args: string[]): Promise<unknown> {
    this.#checkOpen();
    return this.#run(() => this.#client.sendCommand(['EVAL', script, String(keys.length), ...keys, ...args]));
  }

  async #run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      if (this.#isClosed) throw closedError('The schedule store');
      throw unavailable(error);
    }
  }
}

/** The hash's fields and values; a field without a value is left out. */
function encodeSchedule(s: NewSchedule): string[] {
  const fields: [string, string | number | undefined][] = [
    ['id', s.id],
    ['topics', JSON.stringify(s.topics)],
    ['ownerId', s.ownerId],
    ['event', JSON.stringify(s.event)],
    ['dueAtMs', s.dueAtMs],
    ['zone', s.zone],
    ['local', s.local],
    ['disambiguation', s.disambiguation],
    ['rrule', s.rrule],
    ['occurrenceIndex', s.occurrenceIndex],
    ['createdAtMs', s.createdAtMs],
    ['state', 'pending'],
    ['deliveredCount', 0],
  ];
  return fields.flatMap(([field, value]) => (value === undefined ? [] : [field, String(value)]));
}

/** The schedule a hash holds; `undefined` for an empty one (no such key). */
function decodeSchedule(hash: RawHash): Schedule | undefined {
  if (hash.length === 0) return undefined;
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < hash.length; i += 2) values.set(hash[i]!, hash[i + 1]!);
  const text = (field: string) => values.get(field);
  const number = (field: string) => {
    const value = values.get(field);
    return value === undefined ? undefined : Number(value);
  };
  return {
    id: text('id') ?? '',
    topics: JSON.parse(text('topics') ?? '[]') as string[],
    ownerId: text('ownerId'),
    event: JSON.parse(text('event') ?? '{}') as ScheduledEvent,
    dueAtMs: number('dueAtMs') ?? 0,
    zone: text('zone'),
    local: text('local'),
    disambiguation: text('disambiguation') as Disambiguation,
    rrule: text('rrule'),
    occurrenceIndex: number('occurrenceIndex'),
    createdAtMs: number('createdAtMs') ?? 0,
    state: text('state') as ScheduleState,
    claimedBy: text('claimedBy'),
    leaseUntilMs: number('leaseUntilMs'),
    deliveredCount: number('deliveredCount') ?? 0,
    lastDeliveredAtMs: number('lastDeliveredAtMs'),
    lastLateByMs: number('lastLateByMs'),
  };
}

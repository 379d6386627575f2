/**
 * An in-process Store: history lives in an array ordered by cursor, ids in a Map. For one hub
 * process, tests and demos; history is lost on exit. Memory is bounded by `maxEvents`, applied on
 * every append (a ring), because unlike a disk a heap has no room for "until the next prune".
 */
import type { AppendOptions, Cursor, NewEvent, RetentionPolicy, Store, StoredEvent } from '../hub/index.js';
import { checkPublishedAtMs, checkRange } from './arguments.js';
import { closedError, duplicateIdError } from './errors.js';
import { ageCutoffMs, checkRetention } from './retention.js';
import { isRepeatOf, toStoredEvent } from './stored-event.js';

export interface MemoryStoreOptions {
  /** Hard cap on kept events, applied on append (oldest dropped first). Default: no cap. */
  maxEvents?: number | undefined;
}

/**
 * Dropping from the front of a JS array is O(n) per shift; instead the live events are
 * `events[start..]` and the dead prefix is cut off only once it is at least half the array, so
 * each event is copied O(1) times amortised.
 */
const COMPACT_MIN_DEAD = 1024;

/**
 * The kept cursors of one id, ascending: `cursors[first..]`. Appends add at the back and retention
 * drops from the front, so an id a publisher reuses for every event costs O(1) per drop, not a shift.
 */
interface IdCursors {
  cursors: Cursor[];
  first: number;
}

export class MemoryStore implements Store {
  #events: StoredEvent[] = [];
  #start = 0;
  readonly #cursorsById = new Map<string, IdCursors>();
  /** The cursor of the kept exclusive event of each id that has one (at most one per id). */
  readonly #exclusiveCursorById = new Map<string, Cursor>();
  #lastCursor: Cursor = 0;
  /** True while publishedAtMs never decreased along the kept events: age pruning scans only the front. */
  #isTimeOrdered = true;
  readonly #maxEvents: number;
  #isClosed = false;

  constructor(options: MemoryStoreOptions = {}) {
    if (options.maxEvents !== undefined) checkRetention({ maxEvents: options.maxEvents }, 0);
    this.#maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
  }

  get size(): number {
    return this.#events.length - this.#start;
  }

  async append(event: NewEvent, publishedAtMs: number, options: AppendOptions = {}): Promise<StoredEvent> {
    this.#checkOpen();
    checkPublishedAtMs(publishedAtMs);
    const kept = this.#cursorsById.get(event.id);
    const newest = kept === undefined ? undefined : this.#eventAt(kept.cursors.at(-1)!);
    if (newest !== undefined && isRepeatOf(event, newest)) throw duplicateIdError(newest);
    const exclusiveCursor = options.isIdExclusive ? this.#exclusiveCursorById.get(event.id) : undefined;
    if (exclusiveCursor !== undefined) throw duplicateIdError(this.#eventAt(exclusiveCursor)!);
    const stored = freezeEvent(event, this.#lastCursor + 1, publishedAtMs);
    const last = this.#events[this.#events.length - 1];
    if (this.size > 0 && last !== undefined && last.publishedAtMs > publishedAtMs) {
      this.#isTimeOrdered = false;
    }
    this.#events.push(stored);
    if (kept === undefined) this.#cursorsById.set(stored.id, { cursors: [stored.cursor], first: 0 });
    else kept.cursors.push(stored.cursor);
    if (options.isIdExclusive) this.#exclusiveCursorById.set(stored.id, stored.cursor);
    this.#lastCursor = stored.cursor;
    if (this.size > this.#maxEvents) this.#dropOldest(this.size - this.#maxEvents);
    return stored;
  }

  async cursorOf(id: string): Promise<Cursor | undefined> {
    this.#checkOpen();
    const kept = this.#cursorsById.get(id);
    return kept?.cursors[kept.first];
  }

  async readRange(after: Cursor, upTo: Cursor, limit: number): Promise<StoredEvent[]> {
    this.#checkOpen();
    checkRange(after, upTo, limit);
    const result: StoredEvent[] = [];
    for (let i = this.#firstIndexAfter(after); i < this.#events.length && result.length < limit; i++) {
      const event = this.#events[i]!;
      if (event.cursor > upTo) break;
      result.push(event);
    }
    return result;
  }

  async headCursor(): Promise<Cursor> {
    this.#checkOpen();
    return this.size === 0 ? 0 : this.#events[this.#events.length - 1]!.cursor;
  }

  async prune(policy: RetentionPolicy, nowMs: number): Promise<number> {
    this.#checkOpen();
    checkRetention(policy, nowMs);
    const byCount = policy.maxEvents === undefined ? 0 : Math.max(0, this.size - policy.maxEvents);
    const cutoffMs = ageCutoffMs(policy, nowMs);
    const byAge = cutoffMs === undefined ? 0 : this.#countThroughNewestOlderThan(cutoffMs);
    const count = Math.max(byCount, byAge);
    this.#dropOldest(count);
    // A step back in time that has left the kept window no longer costs a full scan per prune.
    if (!this.#isTimeOrdered) this.#isTimeOrdered = this.#isSortedByTime();
    return count;
  }

  /** Always ready while open: the history is this process's memory. */
  async ping(): Promise<void> {
    this.#checkOpen();
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    this.#events = [];
    this.#start = 0;
    this.#cursorsById.clear();
    this.#exclusiveCursorById.clear();
  }

  #checkOpen(): void {
    if (this.#isClosed) throw closedError('The memory store');
  }

  /** The kept event with this cursor. */
  #eventAt(cursor: Cursor): StoredEvent | undefined {
    const event = this.#events[this.#firstIndexAfter(cursor - 1)];
    return event?.cursor === cursor ? event : undefined;
  }

  /** Binary search over the live part: the index of the first event with cursor > after. */
  #firstIndexAfter(after: Cursor): number {
    let low = this.#start;
    let high = this.#events.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#events[mid]!.cursor <= after) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** How many of the oldest events must go so that none published before `cutoffMs` stays. */
  #countThroughNewestOlderThan(cutoffMs: number): number {
    if (this.#isTimeOrdered) {
      // Sorted by time too: the old events are a prefix, found in O(dropped).
      let i = this.#start;
      while (i < this.#events.length && this.#events[i]!.publishedAtMs < cutoffMs) i++;
      return i - this.#start;
    }
    // The clock stepped back once: an old-stamped event may sit anywhere, so scan from the newest.
    for (let i = this.#events.length - 1; i >= this.#start; i--) {
      if (this.#events[i]!.publishedAtMs < cutoffMs) return i + 1 - this.#start;
    }
    return 0;
  }

  #isSortedByTime(): boolean {
    for (let i = this.#start + 1; i < this.#events.length; i++) {
      if (this.#events[i]!.publishedAtMs < this.#events[i - 1]!.publishedAtMs) return false;
    }
    return true;
  }

  #dropOldest(count: number): void {
    if (count <= 0) return;
    const end = this.#start + count;
    for (let i = this.#start; i < end; i++) this.#forgetId(this.#events[i]!);
    this.#start = end;
    const dead = this.#start;
    if (dead >= COMPACT_MIN_DEAD && dead * 2 >= this.#events.length) {
      this.#events = this.#events.slice(this.#start);
      this.#start = 0;
    }
  }

  /** Retention dropped `event`, the oldest kept one: so it is the first kept cursor of its id. */
  #forgetId(event: StoredEvent): void {
    if (this.#exclusiveCursorById.get(event.id) === event.cursor) this.#exclusiveCursorById.delete(event.id);
    const kept = this.#cursorsById.get(event.id);
    if (kept === undefined) return;
    kept.first++;
    if (kept.first === kept.cursors.length) {
      this.#cursorsById.delete(event.id);
    } else if (kept.first >= 64 && kept.first * 2 >= kept.cursors.length) {
      kept.cursors = kept.cursors.slice(kept.first);
      kept.first = 0;
    }
  }
}

/**
 * Frozen: the same stored event is handed to every replaying subscriber, so nobody may change it
 * in place.
 */
function freezeEvent(event: NewEvent, cursor: Cursor, publishedAtMs: number): StoredEvent {
  const stored = toStoredEvent(event, cursor, publishedAtMs);
  Object.freeze(stored.topics);
  return Object.freeze(stored);
}

/**
 * The one behaviour every Store and Broker adapter must have (memory, SQLite, later Redis): each
 * adapter's test file calls `describeStoreConformance` with a factory that opens a fresh, empty
 * store. The hub relies on exactly what is asserted here and on nothing adapter-specific.
 *
 * Broker deliveries are awaited with `vi.waitFor`, so a broker that delivers asynchronously (Redis)
 * passes as long as each listener sees events in publish order.
 *
 * Two writers sharing one storage (two hub processes) have their own cases in `concurrent-writers.ts`,
 * run from here; `StorageSharing` says whether an adapter gives them one handle each.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Broker, NewEvent, RetentionPolicy, Store, StoredEvent } from '../../src/hub/ports.js';
import { StoreError } from '../../src/store/errors.js';
import { describeConcurrentWriters } from './concurrent-writers.js';

export interface StoreUnderTest {
  store: Store;
  broker: Broker;
  /**
   * Opens another handle on the SAME storage as `store`, as a second hub process would (SQLite: a
   * second connection to the file). Required when the adapter's storage is `shared`; the suite
   * closes the handle.
   */
  openSecondHandle?: (() => Promise<Store>) | undefined;
}

/** Opens a new, empty store with its broker; called once per test. */
export type StoreFactory = () => Promise<StoreUnderTest>;

/**
 * `shared`: several handles (processes) can open one storage, and the two-writer cases put each
 * writer on its own handle (SQLite, Redis). `private`: the history lives in one handle (memory),
 * and both writers share it.
 */
export type StorageSharing = 'shared' | 'private';

const T0_MS = Date.UTC(2025, 0, 1);
const EVERYTHING = Number.MAX_SAFE_INTEGER;

export function newEvent(n: number, fields: Partial<NewEvent> = {}): NewEvent {
  return {
    id: `urn:test:${n}`,
    topics: [`https://example.com/books/${n}`],
    data: `data ${n}`,
    isPrivate: false,
    ...fields,
  };
}

export async function readAll(store: Store): Promise<StoredEvent[]> {
  return store.readRange(0, EVERYTHING, 1_000_000);
}

async function appendMany(
  store: Store,
  count: number,
  publishedAtMs = (n: number) => T0_MS + n,
): Promise<StoredEvent[]> {
  const stored: StoredEvent[] = [];
  for (let n = 1; n <= count; n++) stored.push(await store.append(newEvent(n), publishedAtMs(n)));
  return stored;
}

const cursorsOf = (events: StoredEvent[]) => events.map((event) => event.cursor);
const idsOf = (events: StoredEvent[]) => events.map((event) => event.id);

function expectStoreError(code: string) {
  return expect.objectContaining({ name: 'StoreError', code });
}

export function describeStoreConformance(name: string, factory: StoreFactory, sharing: StorageSharing): void {
  describeConcurrentWriters(name, factory, sharing);
  describe(`${name}: Store and Broker conformance`, () => {
    let store: Store;
    let broker: Broker;

    beforeEach(async () => {
      ({ store, broker } = await factory());
    });
    afterEach(async () => {
      await store.close();
      await broker.close();
    });

    describe('append', () => {
      it('assigns strictly increasing positive cursors and keeps the given publishedAtMs', async () => {
        const stored = await appendMany(store, 5, (n) => T0_MS + 1000 * n);
        expect(stored[0]!.cursor).toBeGreaterThan(0);
        for (let i = 1; i < stored.length; i++)
          expect(stored[i]!.cursor).toBeGreaterThan(stored[i - 1]!.cursor);
        expect(stored.map((event) => event.publishedAtMs)).toEqual(
          [1, 2, 3, 4, 5].map((n) => T0_MS + 1000 * n),
        );
        expect(await readAll(store)).toEqual(stored);
      });

      it('gives appends made without waiting cursors ascending in call order, each outcome its own', async () => {
        // The hub publishes concurrently and dispatches in the order appends resolve. The second
        // append of event 1 repeats it field for field: refused, on its own.
        const first = await store.append(newEvent(1), T0_MS);
        const outcomes = await Promise.allSettled(
          [2, 1, 3, 4].map((n) => store.append(newEvent(n), T0_MS + n)),
        );
        expect(outcomes[1]).toEqual({ status: 'rejected', reason: expectStoreError('DUPLICATE_ID') });
        const appended = outcomes.flatMap((outcome) =>
          outcome.status === 'fulfilled' ? [outcome.value] : [],
        );
        expect(idsOf(appended)).toEqual(['urn:test:2', 'urn:test:3', 'urn:test:4']);
        const kept = await readAll(store);
        expect(kept).toEqual([first, ...appended]);
        for (let i = 1; i < kept.length; i++) expect(kept[i]!.cursor).toBeGreaterThan(kept[i - 1]!.cursor);
      });

      it('treats ids that differ only in letter case as different events', async () => {
        const upper = await store.append(newEvent(1, { id: 'urn:test:ABC' }), T0_MS);
        const lower = await store.append(newEvent(2, { id: 'urn:test:abc' }), T0_MS);
        expect(await store.cursorOf('urn:test:ABC')).toBe(upper.cursor);
        expect(await store.cursorOf('urn:test:abc')).toBe(lower.cursor);
      });

      it('keeps its own copy: changing the published object afterwards changes nothing stored', async () => {
        const event = newEvent(1, { topics: ['https://example.com/a'] });
        await store.append(event, T0_MS);
        event.topics.push('https://example.com/b');
        event.data = 'changed';
        const [stored] = await readAll(store);
        expect(stored!.topics).toEqual(['https://example.com/a']);
        expect(stored!.data).toBe('data 1');
      });

      it.each([-1, 1.5, Number.NaN])(
        'rejects publishedAtMs %s with INVALID_ARGUMENT',
        async (publishedAtMs) => {
          await expect(store.append(newEvent(1), publishedAtMs)).rejects.toEqual(
            expectStoreError('INVALID_ARGUMENT'),
          );
          expect(await store.headCursor()).toBe(0);
        },
      );
    });

    describe('ids: reused, repeated, exclusive', () => {
      it('stores an event reusing a kept id with other content, and cursorOf names the earliest', async () => {
        const first = await store.append(newEvent(1, { id: 'urn:test:dup', data: 'one' }), T0_MS);
        const other = await store.append(newEvent(2), T0_MS + 1);
        const again = await store.append(newEvent(3, { id: 'urn:test:dup', data: 'three' }), T0_MS + 2);
        expect(again.cursor).toBeGreaterThan(other.cursor);
        expect(await readAll(store)).toEqual([first, other, again]);
        expect(await store.cursorOf('urn:test:dup')).toBe(first.cursor);
        // Replaying after the cursor of the id sends the later events, the reuse included.
        expect(await store.readRange(first.cursor, EVERYTHING, 10)).toEqual([other, again]);
      });

      it('refuses a repeat of the newest event with its id with DUPLICATE_ID naming that event, and writes nothing', async () => {
        const [first, second] = await appendMany(store, 2);
        const before = await readAll(store);
        const repeat = store.append(newEvent(1), T0_MS + 10);
        await expect(repeat).rejects.toBeInstanceOf(StoreError);
        await expect(repeat).rejects.toEqual(
          expect.objectContaining({ name: 'StoreError', code: 'DUPLICATE_ID', existing: first }),
        );
        expect(await readAll(store)).toEqual(before);
        expect(await store.headCursor()).toBe(second!.cursor);
        expect(await store.cursorOf(first!.id)).toBe(first!.cursor);
        // The refused append took no cursor.
        const next = await store.append(newEvent(3), T0_MS + 11);
        expect(next.cursor).toBe(second!.cursor + 1);
      });

      it.each<[string, Partial<NewEvent>]>([
        ['the topics', { topics: ['https://example.com/other'] }],
        ['the order of the topics', { topics: ['urn:b', 'urn:a'] }],
        ['the data', { data: 'other' }],
        ['the type', { type: 'other' }],
        ['the retryMs', { retryMs: 5 }],
        ['the private flag', { isPrivate: true }],
      ])('stores an event that differs from the kept one of its id only by %s', async (_field, change) => {
        const first = await store.append(newEvent(1, { topics: ['urn:a', 'urn:b'] }), T0_MS);
        const changed = await store.append(newEvent(1, { topics: ['urn:a', 'urn:b'], ...change }), T0_MS);
        expect(await readAll(store)).toEqual([first, changed]);
      });

      it('compares a repeat with the newest event of its id only: A, B, then A again under one id are three events', async () => {
        const a1 = await store.append(newEvent(1, { data: 'A' }), T0_MS);
        const b = await store.append(newEvent(1, { data: 'B' }), T0_MS);
        const a2 = await store.append(newEvent(1, { data: 'A' }), T0_MS);
        await expect(store.append(newEvent(1, { data: 'A' }), T0_MS)).rejects.toEqual(
          expect.objectContaining({ code: 'DUPLICATE_ID', existing: a2 }),
        );
        expect(await readAll(store)).toEqual([a1, b, a2]);
        expect(await store.cursorOf(newEvent(1).id)).toBe(a1.cursor);
      });

      it('refuses an exclusive append when a kept exclusive event has its id, whatever the content', async () => {
        const exclusive = await store.append(newEvent(1), T0_MS, { isIdExclusive: true });
        const attempt = store.append(newEvent(1, { data: 'other' }), T0_MS + 1, { isIdExclusive: true });
        await expect(attempt).rejects.toEqual(
          expect.objectContaining({ name: 'StoreError', code: 'DUPLICATE_ID', existing: exclusive }),
        );
        expect(await readAll(store)).toEqual([exclusive]);
      });

      it('lets non-exclusive and exclusive events share an id: neither blocks the other', async () => {
        const plain = await store.append(newEvent(1, { data: 'publisher' }), T0_MS);
        const exclusive = await store.append(newEvent(1, { data: 'occurrence' }), T0_MS, {
          isIdExclusive: true,
        });
        const plainAgain = await store.append(newEvent(1, { data: 'publisher again' }), T0_MS);
        expect(await readAll(store)).toEqual([plain, exclusive, plainAgain]);
        expect(await store.cursorOf(newEvent(1).id)).toBe(plain.cursor);
        await expect(
          store.append(newEvent(1, { data: 'redelivery' }), T0_MS, { isIdExclusive: true }),
        ).rejects.toEqual(expect.objectContaining({ code: 'DUPLICATE_ID', existing: exclusive }));
      });

      it('frees an id once retention dropped its events: cursorOf moves to the next kept one, and a repeat or an exclusive append is stored anew', async () => {
        const first = await store.append(newEvent(1, { data: 'one' }), T0_MS, { isIdExclusive: true });
        await store.append(newEvent(2), T0_MS + 1);
        const reuse = await store.append(newEvent(1, { data: 'two' }), T0_MS + 2);
        await store.prune({ maxEvents: 2 }, T0_MS);
        expect(await store.cursorOf(first.id)).toBe(reuse.cursor);
        const exclusive = await store.append(newEvent(1, { data: 'one' }), T0_MS + 3, {
          isIdExclusive: true,
        });
        await store.prune({ maxEvents: 0 }, T0_MS);
        expect(await store.cursorOf(first.id)).toBeUndefined();
        const repeated = await store.append(newEvent(1, { data: 'one' }), T0_MS + 4, { isIdExclusive: true });
        expect(repeated.cursor).toBeGreaterThan(exclusive.cursor);
        expect(await readAll(store)).toEqual([repeated]);
      });

      it('agrees with a model of the id rules over random appends of a few ids and contents, exclusive or not, and prunes', async () => {
        const operation = fc.oneof(
          fc.record({
            kind: fc.constant('append' as const),
            id: fc.constantFrom('urn:x', 'urn:y', 'urn:z'),
            data: fc.constantFrom('A', 'B'),
            isIdExclusive: fc.boolean(),
          }),
          fc.record({ kind: fc.constant('prune' as const), maxEvents: fc.integer({ min: 0, max: 6 }) }),
        );
        await fc.assert(
          fc.asyncProperty(fc.array(operation, { maxLength: 30 }), async (operations) => {
            const { store: fresh, broker: freshBroker } = await factory();
            try {
              await checkIdsAgainstModel(fresh, operations);
            } finally {
              await fresh.close();
              await freshBroker.close();
            }
          }),
          { numRuns: 25 },
        );
      });
    });

    describe('round trip of every field', () => {
      const cases: [string, Partial<NewEvent>][] = [
        [
          'several topics, the first canonical',
          { topics: ['https://example.com/b/1', 'urn:topic:x', '/relative'] },
        ],
        [
          'topics with non-ASCII and template characters',
          { topics: ['https://example.com/livres/été/{id}', 'ü'] },
        ],
        ['unicode data', { data: 'héllo 🌍 日本語 עברית e\u0301 \u{1F468}\u200D\u{1F469}\u200D\u{1F467}' }],
        ['multi-line data', { data: 'line 1\nline 2\r\nline 3\rline 4\n' }],
        ['empty data', { data: '' }],
        ['data with NUL and control characters', { data: 'a\u0000b\u0001c\u007f' }],
        ['JSON data', { data: JSON.stringify({ quote: '"', backslash: '\\', nested: [1, { a: null }] }) }],
        ['a private event', { isPrivate: true }],
        ['type and retryMs', { type: 'book.updated', retryMs: 2500 }],
        ['retryMs of zero', { retryMs: 0 }],
        ['no type and no retryMs', { type: undefined, retryMs: undefined }],
        ['a 1 MiB payload', { data: 'x'.repeat(1024 * 1024) }],
      ];

      it.each(cases)('keeps %s', async (_label, fields) => {
        const event = newEvent(1, fields);
        const appended = await store.append(event, T0_MS);
        const expected = { ...event, cursor: appended.cursor, publishedAtMs: T0_MS };
        expect(appended).toEqual(expected);
        expect(await readAll(store)).toEqual([expected]);
        const [read] = await readAll(store);
        expect(read!.type).toBe(event.type);
        expect(read!.retryMs).toBe(event.retryMs);
        expect(read!.isPrivate).toBe(event.isPrivate);
      });
    });

    describe('cursorOf', () => {
      it('returns the cursor of a kept id and undefined for an id never stored', async () => {
        const stored = await appendMany(store, 3);
        for (const event of stored) expect(await store.cursorOf(event.id)).toBe(event.cursor);
        expect(await store.cursorOf('urn:test:never')).toBeUndefined();
        expect(await store.cursorOf('')).toBeUndefined();
      });

      it('returns undefined for an id dropped by retention', async () => {
        const stored = await appendMany(store, 3);
        await store.prune({ maxEvents: 1 }, T0_MS);
        expect(await store.cursorOf(stored[0]!.id)).toBeUndefined();
        expect(await store.cursorOf(stored[1]!.id)).toBeUndefined();
        expect(await store.cursorOf(stored[2]!.id)).toBe(stored[2]!.cursor);
      });
    });

    describe('readRange', () => {
      it('returns the events with after < cursor <= upTo, ascending', async () => {
        const stored = await appendMany(store, 6);
        const [c1, c2, , , c5] = cursorsOf(stored);
        expect(await store.readRange(c2!, c5!, 100)).toEqual(stored.slice(2, 5));
        expect(await store.readRange(c1!, c2!, 100)).toEqual([stored[1]]);
      });

      it('reads from the oldest kept event when after is 0', async () => {
        const stored = await appendMany(store, 4);
        expect(await store.readRange(0, stored[3]!.cursor, 100)).toEqual(stored);
        await store.prune({ maxEvents: 2 }, T0_MS);
        expect(await store.readRange(0, stored[3]!.cursor, 100)).toEqual(stored.slice(2));
      });

      it('starts at the oldest kept event when after points into the pruned past', async () => {
        const stored = await appendMany(store, 5);
        await store.prune({ maxEvents: 2 }, T0_MS);
        expect(await store.readRange(stored[0]!.cursor, EVERYTHING, 100)).toEqual(stored.slice(3));
      });

      it('returns at most limit events, the oldest first, so pages chain into the whole history', async () => {
        const stored = await appendMany(store, 10);
        const head = await store.headCursor();
        expect(await store.readRange(0, head, 3)).toEqual(stored.slice(0, 3));
        const paged: StoredEvent[] = [];
        let after = 0;
        for (let page = 0; page < 10; page++) {
          const events = await store.readRange(after, head, 4);
          if (events.length === 0) break;
          paged.push(...events);
          after = events[events.length - 1]!.cursor;
        }
        expect(paged).toEqual(stored);
      });

      it('returns nothing when upTo <= after, or after is at or past the head', async () => {
        const stored = await appendMany(store, 3);
        const head = await store.headCursor();
        expect(await store.readRange(stored[2]!.cursor, stored[1]!.cursor, 10)).toEqual([]);
        expect(await store.readRange(stored[1]!.cursor, stored[1]!.cursor, 10)).toEqual([]);
        expect(await store.readRange(head, EVERYTHING, 10)).toEqual([]);
        expect(await store.readRange(head + 100, EVERYTHING, 10)).toEqual([]);
      });

      it('does not include events appended after the snapshot head', async () => {
        const stored = await appendMany(store, 2);
        const snapshot = await store.headCursor();
        await store.append(newEvent(3), T0_MS + 3);
        expect(await store.readRange(0, snapshot, 100)).toEqual(stored);
      });

      it.each([
        [-1, 10, 10],
        [0, -1, 10],
        [0.5, 10, 10],
        [0, 10, 0],
        [0, 10, 2.5],
        [0, 10, -3],
      ])('rejects readRange(%s, %s, %s) with INVALID_ARGUMENT', async (after, upTo, limit) => {
        await expect(store.readRange(after, upTo, limit)).rejects.toEqual(
          expectStoreError('INVALID_ARGUMENT'),
        );
      });
    });

    describe('headCursor', () => {
      it('is 0 when empty, then the newest cursor, then the newest kept cursor after pruning', async () => {
        expect(await store.headCursor()).toBe(0);
        const stored = await appendMany(store, 3);
        expect(await store.headCursor()).toBe(stored[2]!.cursor);
        await store.prune({ maxEvents: 1 }, T0_MS);
        expect(await store.headCursor()).toBe(stored[2]!.cursor);
        await store.prune({ maxEvents: 0 }, T0_MS);
        expect(await store.headCursor()).toBe(0);
      });
    });

    describe('prune', () => {
      it('by count keeps the newest maxEvents events and returns how many it dropped', async () => {
        const stored = await appendMany(store, 5);
        expect(await store.prune({ maxEvents: 2 }, T0_MS)).toBe(3);
        expect(await readAll(store)).toEqual(stored.slice(3));
        expect(await store.prune({ maxEvents: 2 }, T0_MS)).toBe(0);
      });

      it('drops nothing with an empty policy or a cap above the history size', async () => {
        const stored = await appendMany(store, 3);
        expect(await store.prune({}, T0_MS + 1e9)).toBe(0);
        expect(await store.prune({ maxEvents: 10 }, T0_MS)).toBe(0);
        expect(await readAll(store)).toEqual(stored);
      });

      it('with maxEvents 0 drops everything', async () => {
        await appendMany(store, 3);
        expect(await store.prune({ maxEvents: 0 }, T0_MS)).toBe(3);
        expect(await readAll(store)).toEqual([]);
      });

      it('by age drops events published before nowMs - maxAgeMs and keeps one exactly maxAgeMs old', async () => {
        const stored = await appendMany(store, 5, (n) => T0_MS + 1000 * n);
        // now = T0 + 5000, maxAge = 3000: cutoff T0 + 2000; event 1 is older, event 2 exactly as old.
        expect(await store.prune({ maxAgeMs: 3000 }, T0_MS + 5000)).toBe(1);
        expect(await readAll(store)).toEqual(stored.slice(1));
        expect(await store.prune({ maxAgeMs: 0 }, T0_MS + 5000)).toBe(3);
        expect(await readAll(store)).toEqual(stored.slice(4));
      });

      it('with both limits drops the longer prefix and counts each event once', async () => {
        const stored = await appendMany(store, 6, (n) => T0_MS + 1000 * n);
        // Count alone would drop 2, age alone 4 (events 1..4 are before T0 + 5000).
        expect(await store.prune({ maxEvents: 4, maxAgeMs: 1000 }, T0_MS + 6000)).toBe(4);
        expect(await readAll(store)).toEqual(stored.slice(4));
        // Now count is the stricter one.
        expect(await store.prune({ maxEvents: 1, maxAgeMs: 60_000 }, T0_MS + 6000)).toBe(1);
        expect(await readAll(store)).toEqual(stored.slice(5));
      });

      it('after the clock stepped back, drops through the newest old event so history has no holes', async () => {
        // Publish times: 10s, 20s, 5s (clock stepped back), 30s.
        const times = [10_000, 20_000, 5_000, 30_000];
        const stored = await appendMany(store, 4, (n) => T0_MS + times[n - 1]!);
        // Cutoff at 8s: only event 3 is old, but event 1 and 2 precede it and go too.
        expect(await store.prune({ maxAgeMs: 22_000 }, T0_MS + 30_000)).toBe(3);
        expect(await readAll(store)).toEqual(stored.slice(3));
      });

      it('never reuses a cursor, even after everything was pruned', async () => {
        const stored = await appendMany(store, 3);
        await store.prune({ maxEvents: 0 }, T0_MS);
        const next = await store.append(newEvent(4), T0_MS + 4);
        expect(next.cursor).toBeGreaterThan(stored[2]!.cursor);
        expect(await store.cursorOf(stored[2]!.id)).toBeUndefined();
      });

      it.each<[RetentionPolicy, number]>([
        [{ maxEvents: -1 }, T0_MS],
        [{ maxEvents: 1.5 }, T0_MS],
        [{ maxAgeMs: -5 }, T0_MS],
        [{ maxAgeMs: 1000 }, Number.NaN],
      ])('rejects prune(%o, %s) with INVALID_ARGUMENT and drops nothing', async (policy, nowMs) => {
        await appendMany(store, 2);
        await expect(store.prune(policy, nowMs)).rejects.toEqual(expectStoreError('INVALID_ARGUMENT'));
        expect(await readAll(store)).toHaveLength(2);
      });

      it('agrees with a model of prefix retention over random appends and prunes', async () => {
        const operation = fc.oneof(
          fc.record({
            kind: fc.constant('append' as const),
            publishedAtMs: fc.integer({ min: 0, max: 100 }),
          }),
          fc.record({
            kind: fc.constant('prune' as const),
            maxEvents: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
            maxAgeMs: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
            nowMs: fc.integer({ min: 0, max: 150 }),
          }),
        );
        await fc.assert(
          fc.asyncProperty(fc.array(operation, { maxLength: 30 }), async (operations) => {
            const { store: fresh, broker: freshBroker } = await factory();
            try {
              await checkAgainstModel(fresh, operations);
            } finally {
              await fresh.close();
              await freshBroker.close();
            }
          }),
          { numRuns: 25 },
        );
      });
    });

    describe('ping (readiness)', () => {
      it('resolves on an open store and broker, empty or not, and changes nothing', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
        await expect(broker.ping()).resolves.toBeUndefined();
        const stored = await appendMany(store, 2);
        await expect(store.ping()).resolves.toBeUndefined();
        expect(await readAll(store)).toEqual(stored);
        expect(await store.headCursor()).toBe(stored[1]!.cursor);
      });
    });

    describe('close', () => {
      it('makes every later call reject with CLOSED, and closing twice is harmless', async () => {
        await appendMany(store, 1);
        await store.close();
        await store.close();
        const closed = expectStoreError('CLOSED');
        await expect(store.append(newEvent(2), T0_MS)).rejects.toEqual(closed);
        await expect(store.cursorOf('urn:test:1')).rejects.toEqual(closed);
        await expect(store.readRange(0, EVERYTHING, 10)).rejects.toEqual(closed);
        await expect(store.headCursor()).rejects.toEqual(closed);
        await expect(store.prune({ maxEvents: 0 }, T0_MS)).rejects.toEqual(closed);
        await expect(store.ping()).rejects.toEqual(closed);
      });

      it('makes a closed broker reject publish and ping with CLOSED', async () => {
        await broker.close();
        await broker.close();
        await expect(broker.publish(storedEvent(1))).rejects.toEqual(expectStoreError('CLOSED'));
        await expect(broker.ping()).rejects.toEqual(expectStoreError('CLOSED'));
      });
    });

    describe('broker', () => {
      it('delivers every event to every listener in publish order', async () => {
        const first: string[] = [];
        const second: string[] = [];
        broker.subscribe((event) => first.push(event.id));
        broker.subscribe((event) => second.push(event.id));
        const events = [1, 2, 3, 4, 5].map((n) => storedEvent(n));
        for (const event of events) await broker.publish(event);
        await vi.waitFor(() => expect(second).toEqual(idsOf(events)));
        await vi.waitFor(() => expect(first).toEqual(idsOf(events)));
      });

      it('delivers the event with all its fields', async () => {
        const received: StoredEvent[] = [];
        broker.subscribe((event) => received.push(event));
        const event = storedEvent(1, { type: 't', retryMs: 10, isPrivate: true, topics: ['a', 'b'] });
        await broker.publish(event);
        await vi.waitFor(() => expect(received).toEqual([event]));
      });

      it('stops delivering to a listener once it unsubscribed, and unsubscribing twice is harmless', async () => {
        const leaving: string[] = [];
        const staying: string[] = [];
        const unsubscribe = broker.subscribe((event) => leaving.push(event.id));
        broker.subscribe((event) => staying.push(event.id));
        await broker.publish(storedEvent(1));
        await vi.waitFor(() => expect(leaving).toEqual(['urn:test:1']));
        unsubscribe();
        unsubscribe();
        await broker.publish(storedEvent(2));
        await vi.waitFor(() => expect(staying).toEqual(['urn:test:1', 'urn:test:2']));
        expect(leaving).toEqual(['urn:test:1']);
      });

      it('keeps delivering to the other listeners when one throws', async () => {
        const before: string[] = [];
        const after: string[] = [];
        broker.subscribe((event) => before.push(event.id));
        broker.subscribe(() => {
          throw new Error('listener failure');
        });
        broker.subscribe((event) => after.push(event.id));
        await broker.publish(storedEvent(1));
        await broker.publish(storedEvent(2));
        await vi.waitFor(() => expect(after).toEqual(['urn:test:1', 'urn:test:2']));
        expect(before).toEqual(['urn:test:1', 'urn:test:2']);
      });
    });
  });
}

export function storedEvent(n: number, fields: Partial<StoredEvent> = {}): StoredEvent {
  return { ...newEvent(n), cursor: n, publishedAtMs: T0_MS + n, ...fields };
}

type Operation =
  | { kind: 'append'; publishedAtMs: number }
  | { kind: 'prune'; maxEvents: number | undefined; maxAgeMs: number | undefined; nowMs: number };

type IdOperation =
  | { kind: 'append'; id: string; data: string; isIdExclusive: boolean }
  | { kind: 'prune'; maxEvents: number };

/**
 * The id rules of the Store port: a repeat of the newest kept event with the id is refused, an
 * exclusive append is refused when a kept exclusive event has the id, anything else is stored;
 * `cursorOf` names the earliest kept event with the id.
 */
async function checkIdsAgainstModel(store: Store, operations: IdOperation[]): Promise<void> {
  let model: { event: StoredEvent; isIdExclusive: boolean }[] = [];
  for (const operation of operations) {
    if (operation.kind === 'prune') {
      const dropped = Math.max(0, model.length - operation.maxEvents);
      expect(await store.prune({ maxEvents: operation.maxEvents }, T0_MS)).toBe(dropped);
      model = model.slice(dropped);
      continue;
    }
    const { id, data, isIdExclusive } = operation;
    const sameId = model.filter((kept) => kept.event.id === id);
    const newest = sameId.at(-1);
    const refusedFor =
      newest?.event.data === data
        ? newest.event
        : isIdExclusive
          ? sameId.find((kept) => kept.isIdExclusive)?.event
          : undefined;
    const attempt = store.append(newEvent(1, { id, data }), T0_MS, { isIdExclusive });
    if (refusedFor === undefined) {
      model.push({ event: await attempt, isIdExclusive });
    } else {
      await expect(attempt).rejects.toEqual(
        expect.objectContaining({ code: 'DUPLICATE_ID', existing: refusedFor }),
      );
    }
  }
  expect(await readAll(store)).toEqual(model.map((kept) => kept.event));
  for (const id of ['urn:x', 'urn:y', 'urn:z']) {
    expect(await store.cursorOf(id)).toBe(model.find((kept) => kept.event.id === id)?.event.cursor);
  }
}

/** Retention drops a prefix: through the newest event older than the cutoff, or beyond the cap. */
async function checkAgainstModel(store: Store, operations: Operation[]): Promise<void> {
  let model: { id: string; publishedAtMs: number }[] = [];
  let n = 0;
  for (const operation of operations) {
    if (operation.kind === 'append') {
      n++;
      await store.append(newEvent(n), operation.publishedAtMs);
      model.push({ id: newEvent(n).id, publishedAtMs: operation.publishedAtMs });
      continue;
    }
    const { maxEvents, maxAgeMs, nowMs } = operation;
    const byCount = maxEvents === undefined ? 0 : Math.max(0, model.length - maxEvents);
    const cutoffMs = maxAgeMs === undefined ? Number.NEGATIVE_INFINITY : nowMs - maxAgeMs;
    const byAge = model.findLastIndex((event) => event.publishedAtMs < cutoffMs) + 1;
    const dropped = Math.max(byCount, byAge);
    expect(await store.prune({ maxEvents, maxAgeMs }, nowMs)).toBe(dropped);
    model = model.slice(dropped);
  }
  const kept = await readAll(store);
  expect(kept.map(({ id, publishedAtMs }) => ({ id, publishedAtMs }))).toEqual(model);
  for (let i = 1; i < kept.length; i++) expect(kept[i]!.cursor).toBeGreaterThan(kept[i - 1]!.cursor);
  expect(await store.headCursor()).toBe(kept.at(-1)?.cursor ?? 0);
  for (const event of kept) expect(await store.cursorOf(event.id)).toBe(event.cursor);
}

/**
 * The Store contract under two concurrent writers, part of the conformance suite
 * (`describeStoreConformance` runs it): two hub processes sharing one storage each append, read
 * and prune through their own handle, and a subscriber's replay must still see no gap and no
 * duplicate, and the id rules (a repeat stored once, an exclusive id once, a reused id kept) must
 * hold across handles.
 *
 * Which adapters share storage between handles (`StorageSharing`):
 * - SqliteStore: shared. The second handle is a second connection to the same file, exactly what a
 *   second hub process opens.
 * - The Redis store to come: shared (a second client on the same keys).
 * - MemoryStore: private. Its history lives in one instance, so both writers use that one handle;
 *   the cases then check appends, reads and prunes interleaved within one process.
 *
 * Appends are issued without waiting for each other, as the hub issues them, and the event loop is
 * turned between rounds so that an adapter that batches (SQLite group commit) commits while readers
 * look. Every loop is bounded.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Broker, Cursor, NewEvent, Store, StoredEvent } from '../../src/hub/ports.js';
import type { StorageSharing, StoreFactory, StoreUnderTest } from './conformance.js';

const T0_MS = Date.UTC(2025, 0, 1);
const EVERYTHING = Number.MAX_SAFE_INTEGER;

type WriterName = 'a' | 'b';

function writerEvent(writer: WriterName | 'shared', n: number, data = `${n}`): NewEvent {
  return {
    id: `urn:${writer}:${n}`,
    topics: [`https://example.com/${writer}`],
    data,
    isPrivate: false,
  };
}

/** One turn of the event loop: a batching adapter commits what was queued before it. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

const isDuplicateId = (error: unknown) =>
  (error as { name?: unknown; code?: unknown }).name === 'StoreError' &&
  (error as { code?: unknown }).code === 'DUPLICATE_ID';

/** What a reader saw: the head it read, then every event in (0, head], paged. */
interface Look {
  head: Cursor;
  events: StoredEvent[];
}

/** Reads the head, then pages through (0, head] the way a replay does. */
async function look(store: Store, pageSize = 3): Promise<Look> {
  const head = await store.headCursor();
  const events: StoredEvent[] = [];
  let after = 0;
  // Bounded: every page advances `after` by at least one cursor, and there are at most head of them.
  for (let page = 0; page <= head && after < head; page++) {
    const batch = await store.readRange(after, head, pageSize);
    if (batch.length === 0) break;
    expect(batch[0]!.cursor, 'a page starts after the previous one').toBeGreaterThan(after);
    events.push(...batch);
    after = batch.at(-1)!.cursor;
  }
  return { head, events };
}

/** The kept events end at the head and their cursors are consecutive: nothing missing in between. */
function expectGapFree({ head, events }: Look): void {
  if (head === 0) {
    expect(events).toEqual([]);
    return;
  }
  expect(events.at(-1)?.cursor, 'the newest kept event is at the head').toBe(head);
  const first = events[0]!.cursor;
  expect(
    events.map((event) => event.cursor),
    'kept cursors are consecutive',
  ).toEqual(events.map((_, i) => first + i));
}

function expectConsecutive(cursors: Cursor[]): void {
  const sorted = [...cursors].sort((x, y) => x - y);
  expect(sorted, 'cursors are unique and consecutive').toEqual(sorted.map((_, i) => sorted[0]! + i));
}

/** Every append that resolved, with the handle that made it. */
interface Ack {
  writer: WriterName;
  event: StoredEvent;
}

export function describeConcurrentWriters(
  name: string,
  factory: StoreFactory,
  sharing: StorageSharing,
): void {
  const handles = sharing === 'shared' ? 'two handles on one storage' : 'one handle (private storage)';

  describe(`${name}: two concurrent writers on ${handles}`, () => {
    let subject: StoreUnderTest;
    let a: Store;
    let b: Store;
    let broker: Broker;

    /** The second writer's handle: a new one on the same storage when shared, else the first. */
    async function secondHandle(under: StoreUnderTest): Promise<Store> {
      if (sharing === 'private') return under.store;
      if (under.openSecondHandle === undefined) {
        throw new Error(`${name} says its storage is shared but gives no openSecondHandle`);
      }
      return under.openSecondHandle();
    }

    /** Closes the second handle when it is one of its own (shared storage). */
    async function closeAll(under: StoreUnderTest, second: Store): Promise<void> {
      if (second !== under.store) await second.close();
      await under.store.close();
      await under.broker.close();
    }

    beforeEach(async () => {
      subject = await factory();
      ({ store: a, broker } = subject);
      b = await secondHandle(subject);
    });
    afterEach(async () => {
      await closeAll(subject, b);
    });

    /** Starts an append without waiting; it lands in `acks` if it resolves, and `pending` settles with it. */
    function startAppend(
      writer: WriterName,
      event: NewEvent,
      acks: Ack[],
      pending: Promise<unknown>[],
    ): Promise<StoredEvent> {
      const store = writer === 'a' ? a : b;
      const append = store.append(event, T0_MS);
      pending.push(
        append.then(
          (stored) => acks.push({ writer, event: stored }),
          () => {},
        ),
      );
      return append;
    }

    it('gives the two writers unique cursors, ascending in each writer’s call order and consecutive together', async () => {
      const calls: { writer: WriterName; append: Promise<StoredEvent> }[] = [];
      const acks: Ack[] = [];
      const pending: Promise<unknown>[] = [];
      let n = 0;
      for (let round = 0; round < 8; round++) {
        // Uneven, interleaved bursts: a a b a b b b a ...
        for (let i = 0; i < 6 + round; i++) {
          const writer: WriterName = (i * 5 + round) % 3 === 0 ? 'b' : 'a';
          n++;
          calls.push({ writer, append: startAppend(writer, writerEvent(writer, n), acks, pending) });
        }
        if (round % 3 !== 2) await turn();
      }
      const stored = await Promise.all(calls.map((call) => call.append));
      for (const writer of ['a', 'b'] as const) {
        const own = stored.filter((_, i) => calls[i]!.writer === writer).map((event) => event.cursor);
        for (let i = 1; i < own.length; i++) expect(own[i]).toBeGreaterThan(own[i - 1]!);
      }
      expectConsecutive(stored.map((event) => event.cursor));
      const byCursor = [...stored].sort((x, y) => x.cursor - y.cursor);
      expect(await a.readRange(0, EVERYTHING, 1000)).toEqual(byCursor);
      expect(await b.readRange(0, EVERYTHING, 1000)).toEqual(byCursor);
      expect(await a.headCursor()).toBe(byCursor.at(-1)!.cursor);
      expect(await b.headCursor()).toBe(byCursor.at(-1)!.cursor);
    });

    it('lets readers on either handle read every cursor up to the head they saw: no gap, none arriving late, the head never going back', async () => {
      const acks: Ack[] = [];
      const pending: Promise<unknown>[] = [];
      const looks: Look[] = [];
      let highestHead = 0;
      let n = 0;
      for (let round = 0; round < 12; round++) {
        for (let i = 0; i < 1 + (round % 4); i++) startAppend('a', writerEvent('a', ++n), acks, pending);
        for (let i = 0; i < 1 + ((round + 2) % 3); i++)
          startAppend('b', writerEvent('b', ++n), acks, pending);
        for (const reader of [a, b, a]) {
          const resolvedBefore = [...acks];
          const seen = await look(reader);
          expectGapFree(seen);
          expect(seen.head, 'the head never goes back').toBeGreaterThanOrEqual(highestHead);
          highestHead = seen.head;
          // A resolved append is visible to every handle: at or below the head, and read back.
          const seenIds = new Map(seen.events.map((event) => [event.cursor, event.id]));
          for (const { event } of resolvedBefore) expect(seenIds.get(event.cursor)).toBe(event.id);
          looks.push(seen);
        }
        if (round % 2 === 0) await turn();
      }
      await Promise.all(pending);
      const history = await a.readRange(0, EVERYTHING, 1000);
      expect(history).toHaveLength(n);
      expectConsecutive(history.map((event) => event.cursor));
      // Nothing below a head a reader saw turned up after it looked.
      for (const seen of looks)
        expect(seen.events).toEqual(history.filter((event) => event.cursor <= seen.head));
    });

    it('makes an append that resolved on one handle visible at once to cursorOf, readRange and headCursor on the other', async () => {
      for (let n = 1; n <= 20; n++) {
        const [writer, reader] = n % 2 === 0 ? [a, b] : [b, a];
        const stored = await writer.append(writerEvent('a', n), T0_MS + n);
        expect(await reader.cursorOf(stored.id)).toBe(stored.cursor);
        expect(await reader.readRange(stored.cursor - 1, stored.cursor, 1)).toEqual([stored]);
        expect(await reader.headCursor()).toBeGreaterThanOrEqual(stored.cursor);
      }
      const burst = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).append(writerEvent('b', i), T0_MS)),
      );
      for (const reader of [a, b]) {
        for (const stored of burst) expect(await reader.cursorOf(stored.id)).toBe(stored.cursor);
      }
    });

    it('stores an event appended by both writers at once (a retry racing the original) exactly once: the other append gets DUPLICATE_ID and takes no cursor', async () => {
      const races: { id: string; outcomes: Promise<PromiseSettledResult<StoredEvent>[]> }[] = [];
      const acks: Ack[] = [];
      const pending: Promise<unknown>[] = [];
      let n = 0;
      for (let k = 0; k < 24; k++) {
        const first: WriterName = k % 2 === 0 ? 'a' : 'b';
        const second: WriterName = first === 'a' ? 'b' : 'a';
        startAppend(first, writerEvent(first, ++n), acks, pending);
        const shared = writerEvent('shared', k);
        const x = startAppend(first, shared, acks, pending);
        startAppend(second, writerEvent(second, ++n), acks, pending);
        const y = startAppend(second, shared, acks, pending);
        races.push({ id: shared.id, outcomes: Promise.allSettled([x, y]) });
        if (k % 3 === 0) await turn();
      }
      await Promise.all(pending);
      const history = await a.readRange(0, EVERYTHING, 1000);
      for (const race of races) {
        const outcomes = await race.outcomes;
        const winners = outcomes.flatMap((outcome) =>
          outcome.status === 'fulfilled' ? [outcome.value] : [],
        );
        const losers = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
        expect(winners, `${race.id} is stored by exactly one writer`).toHaveLength(1);
        expect(losers.every(isDuplicateId), `${race.id}: the other append fails with DUPLICATE_ID`).toBe(
          true,
        );
        expect(history.filter((event) => event.id === race.id)).toEqual(winners);
        expect(await a.cursorOf(race.id)).toBe(winners[0]!.cursor);
        expect(await b.cursorOf(race.id)).toBe(winners[0]!.cursor);
      }
      // A refused append wrote nothing, not even a cursor: the stored ones are consecutive.
      expect(history).toHaveLength(acks.length);
      expectConsecutive(history.map((event) => event.cursor));
      expect(await b.headCursor()).toBe(history.at(-1)!.cursor);
    });

    it('stores an exclusive id appended by both writers at once with different contents exactly once, naming the winner to the loser', async () => {
      const races: Promise<PromiseSettledResult<StoredEvent>[]>[] = [];
      const exclusive = { isIdExclusive: true };
      for (let k = 0; k < 16; k++) {
        const [first, second] = k % 2 === 0 ? [a, b] : [b, a];
        races.push(
          Promise.allSettled([
            first.append(writerEvent('shared', k, 'first'), T0_MS, exclusive),
            second.append(writerEvent('shared', k, 'second'), T0_MS, exclusive),
          ]),
        );
        if (k % 3 === 0) await turn();
      }
      const history = await Promise.all(races).then(() => a.readRange(0, EVERYTHING, 1000));
      for (const outcomes of await Promise.all(races)) {
        const winners = outcomes.flatMap((outcome) =>
          outcome.status === 'fulfilled' ? [outcome.value] : [],
        );
        const losers = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
        expect(winners).toHaveLength(1);
        expect(losers).toEqual([expect.objectContaining({ code: 'DUPLICATE_ID', existing: winners[0] })]);
        expect(history.filter((event) => event.id === winners[0]!.id)).toEqual(winners);
      }
      expect(history).toHaveLength(16);
      expectConsecutive(history.map((event) => event.cursor));
    });

    it('keeps both events of an id the two writers reuse at once with different contents, and both handles name the earliest', async () => {
      const pairs: Promise<StoredEvent[]>[] = [];
      for (let k = 0; k < 16; k++) {
        pairs.push(
          Promise.all([
            a.append(writerEvent('shared', k, 'from a'), T0_MS),
            b.append(writerEvent('shared', k, 'from b'), T0_MS),
          ]),
        );
        if (k % 3 === 0) await turn();
      }
      for (const pair of await Promise.all(pairs)) {
        const earliest = Math.min(...pair.map((event) => event.cursor));
        expect(await a.cursorOf(pair[0]!.id)).toBe(earliest);
        expect(await b.cursorOf(pair[0]!.id)).toBe(earliest);
      }
      const history = await b.readRange(0, EVERYTHING, 1000);
      expect(history).toHaveLength(32);
      expectConsecutive(history.map((event) => event.cursor));
    });

    it('pages through a snapshot with no duplicate and no gap while both writers keep appending', async () => {
      const acks: Ack[] = [];
      const pending: Promise<unknown>[] = [];
      let n = 0;
      for (let i = 0; i < 30; i++) startAppend(i % 3 === 0 ? 'b' : 'a', writerEvent('a', ++n), acks, pending);
      await Promise.all(pending);
      const snapshot = await b.headCursor();
      const paged: StoredEvent[] = [];
      let after = 0;
      for (let page = 0; page < 100 && after < snapshot; page++) {
        const events = await (page % 2 === 0 ? b : a).readRange(after, snapshot, 4);
        if (events.length === 0) break;
        paged.push(...events);
        after = events.at(-1)!.cursor;
        startAppend('a', writerEvent('a', ++n), acks, pending);
        startAppend('b', writerEvent('b', ++n), acks, pending);
        await turn();
      }
      await Promise.all(pending);
      const history = await a.readRange(0, EVERYTHING, 1000);
      expect(history).toHaveLength(n);
      expect(paged).toEqual(history.filter((event) => event.cursor <= snapshot));
      expect(new Set(paged.map((event) => event.cursor)).size).toBe(paged.length);
    });

    it('keeps a gap-free run of the newest cursors while one handle prunes and both append, and never reuses a cursor', async () => {
      const acks: Ack[] = [];
      const pending: Promise<unknown>[] = [];
      let highestHead = 0;
      let n = 0;
      for (let round = 0; round < 10; round++) {
        for (let i = 0; i < 4; i++)
          startAppend(i % 2 === 0 ? 'a' : 'b', writerEvent('a', ++n), acks, pending);
        if (round % 2 === 1) await turn();
        // Some appends are still queued on a batching adapter while the prune runs.
        await (round % 3 === 0 ? a : b).prune({ maxEvents: 5 }, T0_MS);
        for (const reader of [a, b]) {
          const resolvedBefore = [...acks];
          const seen = await look(reader);
          expectGapFree(seen);
          expect(seen.head).toBeGreaterThanOrEqual(highestHead);
          highestHead = seen.head;
          const oldestKept = seen.events[0]?.cursor ?? EVERYTHING;
          const kept = new Set(seen.events.map((event) => event.cursor));
          // Retention drops only the oldest: a resolved event missing from the run is older than it.
          for (const { event } of resolvedBefore) {
            if (!kept.has(event.cursor)) expect(event.cursor).toBeLessThan(oldestKept);
          }
        }
      }
      await Promise.all(pending);
      const highestCursor = Math.max(...acks.map(({ event }) => event.cursor));
      expectConsecutive(acks.map(({ event }) => event.cursor));
      await b.prune({ maxEvents: 0 }, T0_MS);
      // Emptied by retention: the head is 0, and the cursors still go on from where they were.
      expect(await a.headCursor()).toBe(0);
      for (const { event } of acks) {
        expect(await a.cursorOf(event.id)).toBeUndefined();
        expect(await b.cursorOf(event.id)).toBeUndefined();
      }
      const next = await a.append(writerEvent('b', 1), T0_MS);
      const other = await b.append(writerEvent('b', 2), T0_MS);
      expect(next.cursor).toBe(highestCursor + 1);
      expect(other.cursor).toBe(highestCursor + 2);
    });

    it('keeps every invariant over random interleavings of two writers, readers on both handles and prunes', async () => {
      const step = fc.oneof(
        {
          weight: 5,
          arbitrary: fc.record({
            kind: fc.constant('append' as const),
            writer: fc.constantFrom<WriterName>('a', 'b'),
          }),
        },
        {
          weight: 2,
          arbitrary: fc.record({
            kind: fc.constant('race' as const),
            first: fc.constantFrom<WriterName>('a', 'b'),
          }),
        },
        {
          weight: 2,
          arbitrary: fc.record({
            kind: fc.constant('read' as const),
            reader: fc.constantFrom<WriterName>('a', 'b'),
          }),
        },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant('turn' as const) }) },
      );
      const round = fc.record({
        steps: fc.array(step, { maxLength: 12 }),
        prune: fc.option(
          fc.record({ on: fc.constantFrom<WriterName>('a', 'b'), maxEvents: fc.integer({ min: 0, max: 6 }) }),
          { nil: undefined },
        ),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(round, { minLength: 1, maxLength: 6 }), async (rounds) => {
          const run = await factory();
          const second = await secondHandle(run);
          try {
            await checkRandomRun(run.store, second, rounds);
          } finally {
            await closeAll(run, second);
          }
        }),
        { numRuns: 20 },
      );
    });

    it('delivers the events of two publishers, one per handle, to every listener in cursor order with none skipped from its subscription on', async () => {
      const received = new Map<string, Cursor[]>();
      const publishedAfter = new Map<string, number>();
      const unsubscribers = new Map<string, () => void>();
      const published: StoredEvent[] = [];
      const subscribe = (listener: string) => {
        received.set(listener, []);
        publishedAfter.set(listener, published.length);
        unsubscribers.set(
          listener,
          broker.subscribe((event) => received.get(listener)!.push(event.cursor)),
        );
      };
      // As the hub does: publish each event once its append resolved, many in flight at once.
      const publishOne = async (handle: Store, event: NewEvent) => {
        const stored = await handle.append(event, T0_MS);
        published.push(stored);
        await broker.publish(stored);
      };
      subscribe('from the start');
      const inFlight: Promise<void>[] = [];
      let n = 0;
      for (let round = 0; round < 8; round++) {
        if (round === 3) subscribe('joins late');
        for (let i = 0; i < 5; i++) {
          inFlight.push(publishOne(a, writerEvent('a', ++n)), publishOne(b, writerEvent('b', ++n)));
        }
        if (round % 2 === 1) await turn();
      }
      await Promise.all(inFlight);
      const byCursor = published.map((event) => event.cursor).sort((x, y) => x - y);
      expectConsecutive(byCursor);
      for (const [listener, cursors] of received) {
        // The events published after it subscribed, ascending: a lower cursor after a higher one
        // would be dropped by a subscriber as already sent, i.e. skipped.
        const expected = published
          .slice(publishedAfter.get(listener))
          .map((event) => event.cursor)
          .sort((x, y) => x - y);
        await vi.waitFor(() => expect(cursors, listener).toEqual(expected));
      }
      for (const unsubscribe of unsubscribers.values()) unsubscribe();
    });
  });
}

type Step =
  | { kind: 'append'; writer: WriterName }
  | { kind: 'race'; first: WriterName }
  | { kind: 'read'; reader: WriterName }
  | { kind: 'turn' };

interface Round {
  steps: Step[];
  prune: { on: WriterName; maxEvents: number } | undefined;
}

/**
 * Runs the rounds and checks each look against what had resolved, then the whole history against
 * every look. A round's appends all settle before its prune, so the model knows what the prune
 * keeps; ids raced by both writers are always fresh, so exactly one of the two must win.
 */
async function checkRandomRun(a: Store, b: Store, rounds: Round[]): Promise<void> {
  const handle = (name: WriterName) => (name === 'a' ? a : b);
  const acks: StoredEvent[] = [];
  const looks: { seen: Look; lowestKept: Cursor }[] = [];
  /** Every cursor below this was dropped by a prune. */
  let lowestKept = 0;
  let highestHead = 0;
  let n = 0;
  let raceNumber = 0;
  for (const { steps, prune } of rounds) {
    const pending: Promise<unknown>[] = [];
    const races: Promise<PromiseSettledResult<StoredEvent>[]>[] = [];
    const append = (writer: WriterName, event: NewEvent) => {
      const promise = handle(writer).append(event, T0_MS);
      pending.push(promise.then((stored) => acks.push(stored)).catch(() => {}));
      return promise;
    };
    for (const step of steps) {
      if (step.kind === 'append') append(step.writer, writerEvent(step.writer, ++n));
      if (step.kind === 'race') {
        const shared = writerEvent('shared', ++raceNumber);
        const first = append(step.first, shared);
        races.push(Promise.allSettled([first, append(step.first === 'a' ? 'b' : 'a', shared)]));
      }
      if (step.kind === 'turn') await turn();
      if (step.kind === 'read') {
        const resolvedBefore = [...acks];
        const seen = await look(handle(step.reader), 2);
        expectGapFree(seen);
        expect(seen.head).toBeGreaterThanOrEqual(highestHead);
        highestHead = seen.head;
        const seenIds = new Map(seen.events.map((event) => [event.cursor, event.id]));
        for (const event of resolvedBefore) {
          if (event.cursor >= lowestKept) expect(seenIds.get(event.cursor)).toBe(event.id);
        }
        looks.push({ seen, lowestKept });
      }
    }
    await Promise.all(pending);
    for (const outcomes of await Promise.all(races)) {
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.find((outcome) => outcome.status === 'rejected');
      expect(isDuplicateId(refused?.reason)).toBe(true);
    }
    if (prune !== undefined) {
      // Every append of the round has settled: the prune keeps the newest maxEvents of them all.
      const keptCount = acks.filter((event) => event.cursor >= lowestKept).length;
      const dropped = Math.max(0, keptCount - prune.maxEvents);
      expect(await handle(prune.on).prune({ maxEvents: prune.maxEvents }, T0_MS)).toBe(dropped);
      if (dropped > 0) lowestKept = Math.max(...acks.map((event) => event.cursor)) - prune.maxEvents + 1;
      // Emptied by retention, the head reads 0: the one time it may go back (see the Store contract).
      if (keptCount - dropped === 0) highestHead = 0;
    }
  }
  expectConsecutive(acks.map((event) => event.cursor));
  const byCursor = [...acks].sort((x, y) => x.cursor - y.cursor);
  const kept = byCursor.filter((event) => event.cursor >= lowestKept);
  expect(await a.readRange(0, EVERYTHING, 1000)).toEqual(kept);
  expect(await b.readRange(0, EVERYTHING, 1000)).toEqual(kept);
  for (const event of byCursor) {
    const expected = event.cursor >= lowestKept ? event.cursor : undefined;
    expect(await a.cursorOf(event.id)).toBe(expected);
    expect(await b.cursorOf(event.id)).toBe(expected);
  }
  // No event turned up late below a head a reader had seen.
  for (const { seen, lowestKept: floor } of looks) {
    const expected = byCursor.filter((event) => event.cursor >= floor && event.cursor <= seen.head);
    expect(seen.events).toEqual(expected);
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { occurrenceEventId } from '../../src/schedule/occurrence-id.js';
import { type Delivery, ScheduleRunner, type ScheduleRunnerOptions } from '../../src/schedule/runner.js';
import { newSchedule } from '../../src/schedule/schedule.js';
import type { ScheduleStore } from '../../src/schedule/store.js';
import { MemoryScheduleStore } from '../../src/store/schedule-memory.js';
import { SqliteScheduleStore } from '../../src/store/schedule-sqlite.js';
import { resolveDeliveryTime } from '../../src/time/delivery-time.js';
import { formatInstant, parseInstant } from '../../src/time/instant.js';
import { FakeTime } from '../support/fake-time.js';
import { oneShot, T0 } from './support.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

interface Harness {
  time: FakeTime;
  deliveries: Delivery[];
  scheduler: ScheduleRunner;
}

function harness(store: ScheduleStore, time: FakeTime, extra: Partial<ScheduleRunnerOptions> = {}): Harness {
  const deliveries: Delivery[] = [];
  const scheduler = new ScheduleRunner({
    store,
    clock: time,
    timers: time,
    deliver: async (d) => {
      deliveries.push(d);
    },
    ...extra,
  });
  return { time, deliveries, scheduler };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('ScheduleRunner', () => {
  it('waits for a delivery 40 days away in capped steps and fires at the due instant', async () => {
    const store = new MemoryScheduleStore();
    const time = new FakeTime(T0);
    // A minute's cap (the default is 10 s): 57,600 wakes of fake time instead of 345,600.
    const { deliveries, scheduler } = harness(store, time, { maxWaitMs: MINUTE_MS });
    await store.add(oneShot('far', T0 + 40 * DAY_MS));
    await scheduler.start();
    await time.advanceBy(40 * DAY_MS - 1);
    expect(deliveries).toHaveLength(0);
    expect(Math.max(...time.delaysMs)).toBeLessThanOrEqual(MINUTE_MS);
    await time.advanceBy(1);
    expect(deliveries.map((d) => [d.schedule.id, d.deliveredAtMs - d.dueAtMs, d.isLate])).toEqual([
      ['far', 0, false],
    ]);
    expect((await store.get('far'))?.state).toBe('done');
    await scheduler.stop();
    expect(time.pendingTimers).toBe(0);
  });

  it('refuses a maximum wait that Node timers cannot hold', () => {
    const time = new FakeTime(T0);
    expect(() => harness(new MemoryScheduleStore(), time, { maxWaitMs: 2 ** 31 })).toThrow(RangeError);
  });

  it('delivers at start what fell due while the hub was down, marked late', async () => {
    const store = new MemoryScheduleStore();
    const time = new FakeTime(T0);
    const first = harness(store, time);
    await store.add(oneShot('during-downtime', T0 + 30 * MINUTE_MS));
    await store.add(oneShot('after-restart', T0 + 3 * 60 * MINUTE_MS));
    await first.scheduler.start();
    await time.advanceBy(10 * MINUTE_MS);
    await first.scheduler.stop();
    time.jump(2 * 60 * MINUTE_MS); // down from 00:10 to 02:10

    const second = harness(store, time);
    await second.scheduler.start();
    expect(second.deliveries).toHaveLength(1);
    const [late] = second.deliveries;
    expect(late).toMatchObject({ isLate: true, lateByMs: 100 * MINUTE_MS });
    expect(late?.json).toMatchObject({
      id: 'during-downtime',
      dueAt: '2026-01-01T00:30:00.000Z',
      late: true,
      lateByMs: 100 * MINUTE_MS,
    });
    await time.advanceBy(50 * MINUTE_MS);
    expect(second.deliveries.map((d) => [d.schedule.id, d.isLate, d.json.late])).toEqual([
      ['during-downtime', true, true],
      ['after-restart', false, false],
    ]);
    expect(first.deliveries).toHaveLength(0);
    await second.scheduler.stop();
  });

  it('wakes early for a schedule added after start when poked', async () => {
    const store = new MemoryScheduleStore();
    const time = new FakeTime(T0);
    const { deliveries, scheduler } = harness(store, time);
    await scheduler.start();
    await time.advanceBy(1_000);
    await store.add(oneShot('soon', T0 + 1_500));
    scheduler.poke();
    await time.advanceBy(500);
    expect(deliveries.map((d) => [d.schedule.id, d.deliveredAtMs])).toEqual([['soon', T0 + 1_500]]);
    await scheduler.stop();
  });

  it('retries a failed delivery once its lease expires, with the same event id', async () => {
    const store = new MemoryScheduleStore();
    const time = new FakeTime(T0);
    const attempts: Delivery[] = [];
    const errors: unknown[] = [];
    const { scheduler } = harness(store, time, {
      leaseMs: 10_000,
      deliver: async (d) => {
        attempts.push(d);
        if (attempts.length === 1) throw new Error('hub unavailable');
      },
      onError: (error) => errors.push(error),
    });
    await store.add(oneShot('flaky', T0 + 1_000));
    await scheduler.start();
    await time.advanceBy(1_000);
    expect(attempts).toHaveLength(1);
    await time.advanceBy(10_000);
    expect(attempts.map((d) => d.deliveredAtMs - T0)).toEqual([1_000, 11_000]);
    expect(attempts[1]?.eventId).toBe(attempts[0]?.eventId);
    expect(errors).toHaveLength(1);
    expect((await store.get('flaky'))?.state).toBe('done');
    await scheduler.stop();
  });

  it('keeps 09:00 Europe/Oslo on weekdays across the spring DST change', async () => {
    const store = new MemoryScheduleStore();
    const nowMs = parseInstant('2026-03-26T12:00:00Z');
    const time = new FakeTime(nowMs);
    const { deliveries, scheduler } = harness(store, time);
    const delivery = resolveDeliveryTime(
      { local: '2026-01-05T09:00', zone: 'Europe/Oslo', rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR' },
      { nowMs },
    )!;
    await store.add(
      newSchedule(delivery, {
        id: 'standup',
        topics: ['t'],
        event: { data: 'standup', isPrivate: false },
        createdAtMs: nowMs,
      }),
    );
    await scheduler.start();
    await time.advanceBy(6 * DAY_MS);
    expect(deliveries.map((d) => formatInstant(d.deliveredAtMs))).toEqual([
      '2026-03-27T08:00:00.000Z', // Friday, +01:00
      '2026-03-30T07:00:00.000Z', // Monday, +02:00
      '2026-03-31T07:00:00.000Z',
      '2026-04-01T07:00:00.000Z',
    ]);
    expect(new Set(deliveries.map((d) => d.eventId)).size).toBe(4);
    expect(deliveries.every((d) => !d.isLate)).toBe(true);
    await scheduler.stop();
  });

  it('coalesces occurrences of a recurring schedule missed while down into one late delivery', async () => {
    const store = new MemoryScheduleStore();
    const time = new FakeTime(T0);
    const delivery = resolveDeliveryTime({ at: '2026-01-01T09:00:00Z', rrule: 'FREQ=DAILY' }, { nowMs: T0 })!;
    await store.add(
      newSchedule(delivery, {
        id: 'daily',
        topics: ['t'],
        event: { data: 'd', isPrivate: false },
        createdAtMs: T0,
      }),
    );
    time.jump(3 * DAY_MS + 10 * 60 * MINUTE_MS); // 2026-01-04T10:00Z; missed the 1st, 2nd, 3rd and 4th
    const { deliveries, scheduler } = harness(store, time);
    await scheduler.start();
    expect(deliveries.map((d) => [formatInstant(d.dueAtMs), d.isLate])).toEqual([
      ['2026-01-01T09:00:00.000Z', true],
    ]);
    expect(formatInstant((await store.get('daily'))!.dueAtMs)).toBe('2026-01-05T09:00:00.000Z');
    await scheduler.stop();
  });
});

describe('ScheduleRunner: two processes on one SQLite store', () => {
  function sqlitePath(): string {
    const dir = mkdtempSync(join(tmpdir(), 'herald-scheduler-'));
    dirs.push(dir);
    return join(dir, 'schedules.db');
  }

  /** An event store stand-in with the real one's unique-id rule. */
  function uniqueEventLog() {
    const ids = new Set<string>();
    return {
      ids,
      append(id: string): 'appended' | 'duplicate' {
        if (ids.has(id)) return 'duplicate';
        ids.add(id);
        return 'appended';
      },
    };
  }

  it('fires every occurrence exactly once with two schedulers sharing the store', async () => {
    const path = sqlitePath();
    const storeA = new SqliteScheduleStore(path);
    const storeB = new SqliteScheduleStore(path);
    const time = new FakeTime(T0);
    const log = uniqueEventLog();
    const deliveredBy: Record<string, string[]> = {};
    const deliverAs = (worker: string) => async (d: Delivery) => {
      expect(log.append(d.eventId)).toBe('appended');
      deliveredBy[d.schedule.id] = [...(deliveredBy[d.schedule.id] ?? []), worker];
    };
    const a = harness(storeA, time, { workerId: 'a', batchSize: 3, deliver: deliverAs('a') });
    const b = harness(storeB, time, { workerId: 'b', batchSize: 3, deliver: deliverAs('b') });
    for (let i = 0; i < 40; i++) await storeA.add(oneShot(`s${i}`, T0 + (i % 8) * 250));
    await Promise.all([a.scheduler.start(), b.scheduler.start()]);
    await time.advanceBy(5_000);
    expect(Object.keys(deliveredBy)).toHaveLength(40);
    for (const workers of Object.values(deliveredBy)) expect(workers).toHaveLength(1);
    expect(new Set(Object.values(deliveredBy).flat())).toEqual(new Set(['a', 'b']));
    expect(await storeA.list({ states: ['pending', 'claimed'] })).toEqual([]);
    await Promise.all([a.scheduler.stop(), b.scheduler.stop()]);
    await storeA.close();
    await storeB.close();
  });

  it('deduplicates a retry after a crash between deliver and complete by the derived event id', async () => {
    const path = sqlitePath();
    const storeA = new SqliteScheduleStore(path);
    const storeB = new SqliteScheduleStore(path);
    const time = new FakeTime(T0);
    const log = uniqueEventLog();
    const outcomes: string[] = [];
    // A appends the event, then "crashes" before complete (its scheduler never gets to it).
    const a = harness(storeA, time, {
      workerId: 'a',
      leaseMs: 30_000,
      deliver: async (d) => {
        outcomes.push(`a:${log.append(d.eventId)}`);
        throw new Error('process died');
      },
      onError: () => {},
    });
    // B treats the event store's DUPLICATE_ID as "already delivered", as the hub does.
    const b = harness(storeB, time, {
      workerId: 'b',
      leaseMs: 30_000,
      deliver: async (d) => {
        outcomes.push(`b:${log.append(d.eventId)}`);
      },
    });
    await storeA.add(oneShot('once', T0 + 1_000));
    await a.scheduler.start();
    await time.advanceBy(1_000);
    await a.scheduler.stop();
    await b.scheduler.start();
    await time.advanceBy(30_000);
    expect(outcomes).toEqual(['a:appended', 'b:duplicate']);
    expect([...log.ids]).toEqual([occurrenceEventId('once', T0 + 1_000)]);
    expect(await storeB.get('once')).toMatchObject({ state: 'done', deliveredCount: 1 });
    await b.scheduler.stop();
    await storeA.close();
    await storeB.close();
  });
});

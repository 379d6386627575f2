import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryScheduleStore } from '../../src/store/schedule-memory.js';
import { SqliteScheduleStore } from '../../src/store/schedule-sqlite.js';
import type { NewSchedule } from '../../src/time/schedule.js';
import type { ScheduleStore } from '../../src/time/schedule-store.js';

const T0 = Date.UTC(2026, 0, 1);

function newSchedule(id: string, dueAtMs: number, extra: Partial<NewSchedule> = {}): NewSchedule {
  return {
    id,
    topics: ['https://example.com/books/1'],
    event: { data: `payload ${id}`, isPrivate: false },
    dueAtMs,
    disambiguation: 'compatible',
    createdAtMs: T0,
    ...extra,
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-schedules-'));
  dirs.push(dir);
  return join(dir, 'schedules.db');
}

const adapters: [string, () => ScheduleStore][] = [
  ['memory', () => new MemoryScheduleStore()],
  ['sqlite (path)', () => new SqliteScheduleStore(tempDbPath())],
  ['sqlite (Database)', () => new SqliteScheduleStore(new Database(':memory:'))],
];

describe.each(adapters)('ScheduleStore conformance: %s', (_name, open) => {
  it('adds a schedule as pending and reads it back', async () => {
    const store = open();
    const added = await store.add(
      newSchedule('a', T0 + 1000, {
        ownerId: 'alice',
        zone: 'Europe/Oslo',
        local: '2026-01-01T01:00:01',
        rrule: 'FREQ=DAILY',
      }),
    );
    expect(added).toMatchObject({ id: 'a', state: 'pending', deliveredCount: 0, ownerId: 'alice' });
    expect(await store.get('a')).toMatchObject({
      topics: ['https://example.com/books/1'],
      event: { data: 'payload a', isPrivate: false },
      zone: 'Europe/Oslo',
      rrule: 'FREQ=DAILY',
    });
    expect(await store.get('missing')).toBeUndefined();
    await store.close();
  });

  it('refuses a duplicate id', async () => {
    const store = open();
    await store.add(newSchedule('a', T0));
    await expect(store.add(newSchedule('a', T0))).rejects.toMatchObject({ code: 'SCHEDULE_DUPLICATE_ID' });
    await store.close();
  });

  it('lists by due time, filtered by topic, owner and state', async () => {
    const store = open();
    await store.add(newSchedule('late', T0 + 3000, { ownerId: 'alice' }));
    await store.add(newSchedule('early', T0 + 1000, { ownerId: 'bob', topics: ['t/other', 't/x'] }));
    await store.add(newSchedule('mid', T0 + 2000, { ownerId: 'alice' }));
    await store.cancel('mid');
    expect((await store.list()).map((s) => s.id)).toEqual(['early', 'mid', 'late']);
    expect((await store.list({ topic: 't/x' })).map((s) => s.id)).toEqual(['early']);
    expect((await store.list({ ownerId: 'alice' })).map((s) => s.id)).toEqual(['mid', 'late']);
    expect((await store.list({ states: ['pending'] })).map((s) => s.id)).toEqual(['early', 'late']);
    expect((await store.list({ limit: 1 })).map((s) => s.id)).toEqual(['early']);
    await store.close();
  });

  it('cancels only pending or claimed schedules, and only the owner’s when an owner is given', async () => {
    const store = open();
    await store.add(newSchedule('a', T0, { ownerId: 'alice' }));
    expect(await store.cancel('a', 'bob')).toBe(false);
    expect(await store.cancel('a', 'alice')).toBe(true);
    expect(await store.cancel('a')).toBe(false);
    expect(await store.cancel('missing')).toBe(false);
    expect((await store.get('a'))?.state).toBe('cancelled');
    await store.close();
  });

  it('claims due schedules once, earliest first, up to the limit', async () => {
    const store = open();
    for (const [id, offsetMs] of [
      ['c', 300],
      ['a', 100],
      ['b', 200],
      ['future', 10_000],
    ] as const) {
      await store.add(newSchedule(id, T0 + offsetMs));
    }
    const first = await store.claimDue(T0 + 1000, 2, 'w1', 60_000);
    expect(first.map((s) => [s.id, s.state, s.claimedBy])).toEqual([
      ['a', 'claimed', 'w1'],
      ['b', 'claimed', 'w1'],
    ]);
    expect((await store.claimDue(T0 + 1000, 10, 'w2', 60_000)).map((s) => s.id)).toEqual(['c']);
    expect(await store.claimDue(T0 + 1000, 10, 'w3', 60_000)).toEqual([]);
    await store.close();
  });

  it('lets another worker claim a schedule whose lease expired', async () => {
    const store = open();
    await store.add(newSchedule('a', T0));
    await store.claimDue(T0, 10, 'w1', 5_000);
    expect(await store.claimDue(T0 + 4_999, 10, 'w2', 5_000)).toEqual([]);
    expect(await store.nextDueMs()).toBe(T0 + 5_000);
    const reclaimed = await store.claimDue(T0 + 5_000, 10, 'w2', 5_000);
    expect(reclaimed.map((s) => s.claimedBy)).toEqual(['w2']);
    // The first worker lost the claim: its completion changes nothing.
    expect(await store.complete('a', null, 'w1', { deliveredAtMs: T0 + 6_000, lateByMs: 6_000 })).toBe(false);
    expect(await store.complete('a', null, 'w2', { deliveredAtMs: T0 + 6_000, lateByMs: 6_000 })).toBe(true);
    expect(await store.get('a')).toMatchObject({ state: 'done', deliveredCount: 1, lastLateByMs: 6_000 });
    await store.close();
  });

  it('completes a recurring schedule back to pending at its next due time', async () => {
    const store = open();
    await store.add(newSchedule('r', T0));
    await store.claimDue(T0, 10, 'w', 1_000);
    expect(await store.complete('r', T0 + 86_400_000, 'w', { deliveredAtMs: T0 + 5, lateByMs: 5 })).toBe(
      true,
    );
    expect(await store.get('r')).toMatchObject({
      state: 'pending',
      dueAtMs: T0 + 86_400_000,
      claimedBy: undefined,
      deliveredCount: 1,
      lastDeliveredAtMs: T0 + 5,
    });
    expect(await store.nextDueMs()).toBe(T0 + 86_400_000);
    await store.close();
  });

  it('completes a batch at once, skipping schedules the worker does not hold', async () => {
    const store = open();
    for (const id of ['a', 'b', 'c']) await store.add(newSchedule(id, T0));
    await store.claimDue(T0, 2, 'w', 1_000);
    const delivery = { deliveredAtMs: T0, lateByMs: 0 };
    const completed = await store.completeAll(
      [
        { id: 'a', nextDueMs: null, delivery },
        { id: 'b', nextDueMs: T0 + 10, delivery },
        { id: 'c', nextDueMs: null, delivery },
      ],
      'w',
    );
    expect(completed).toBe(2);
    expect((await store.list()).map((s) => [s.id, s.state])).toEqual([
      ['a', 'done'],
      ['c', 'pending'],
      ['b', 'pending'],
    ]);
    await store.close();
  });

  it('does not complete a schedule cancelled during delivery', async () => {
    const store = open();
    await store.add(newSchedule('a', T0));
    await store.claimDue(T0, 10, 'w', 1_000);
    expect(await store.cancel('a')).toBe(true);
    expect(await store.complete('a', T0 + 1, 'w', { deliveredAtMs: T0, lateByMs: 0 })).toBe(false);
    expect((await store.get('a'))?.state).toBe('cancelled');
    expect(await store.nextDueMs()).toBeUndefined();
    await store.close();
  });

  it('purges finished schedules created before a cut-off', async () => {
    const store = open();
    await store.add(newSchedule('done', T0 - 1));
    await store.add(newSchedule('cancelled', T0));
    await store.add(newSchedule('pending', T0));
    await store.claimDue(T0, 1, 'w', 1_000);
    await store.complete('done', null, 'w', { deliveredAtMs: T0, lateByMs: 0 });
    await store.cancel('cancelled');
    expect(await store.purgeFinished(T0 + 1)).toBe(2);
    expect((await store.list()).map((s) => s.id)).toEqual(['pending']);
    await store.close();
  });
});

describe('SqliteScheduleStore', () => {
  it('keeps schedules across a reopen of the file', async () => {
    const path = tempDbPath();
    const first = new SqliteScheduleStore(path);
    await first.add(newSchedule('a', T0 + 1000));
    await first.close();
    const second = new SqliteScheduleStore(path);
    expect((await second.get('a'))?.dueAtMs).toBe(T0 + 1000);
    await second.close();
  });

  it('never hands one schedule to two connections claiming at the same instant', async () => {
    const path = tempDbPath();
    const a = new SqliteScheduleStore(path);
    const b = new SqliteScheduleStore(path);
    for (let i = 0; i < 200; i++) await a.add(newSchedule(`s${String(i).padStart(3, '0')}`, T0 + i));
    const claimed: string[] = [];
    for (let round = 0; round < 20; round++) {
      const [x, y] = await Promise.all([
        a.claimDue(T0 + 1000, 7, 'a', 60_000),
        b.claimDue(T0 + 1000, 6, 'b', 60_000),
      ]);
      claimed.push(...x.map((s) => s.id), ...y.map((s) => s.id));
    }
    expect(claimed).toHaveLength(200);
    expect(new Set(claimed).size).toBe(200);
    await a.close();
    await b.close();
  });
});

/**
 * Every ScheduleStore adapter against one contract (the comment on the port), alone and as two
 * workers sharing one storage. The Redis adapter runs against a real Redis (127.0.0.1:6379, database
 * 14, unless HERALD_TEST_REDIS_URL says otherwise): each test under its own random key prefix,
 * whose keys are deleted after it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NewSchedule, ScheduleStore } from '../../src/schedule/index.js';
import { MemoryStore } from '../../src/store/memory.js';
import { openStore } from '../../src/store/open.js';
import { MemoryScheduleStore } from '../../src/store/schedule-memory.js';
import { RedisScheduleStore } from '../../src/store/schedule-redis.js';
import { SqliteScheduleStore } from '../../src/store/schedule-sqlite.js';
import { openSqlite, type SqliteDriver } from '../../src/store/sqlite-driver.js';
import { startRedisRelay } from '../support/redis-relay.js';
import { itIsUnavailableForTheDocumentedReason, sqliteDriverCases } from './sqlite-drivers.js';

const T0 = Date.UTC(2026, 0, 1);
const REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/14';
const RUN_PREFIX = `herald-test:${randomUUID()}:`;

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

const delivery = (atMs: number) => ({ deliveredAtMs: atMs, lateByMs: 0 });

const dirs: string[] = [];
let admin: ReturnType<typeof createClient>;
let tests = 0;
/** The key prefix of the running test: every Redis handle it opens lives under it. */
let testPrefix = '';
let handles = 0;
const redisHandles: RedisScheduleStore[] = [];

beforeAll(async () => {
  admin = createClient({ url: REDIS_URL });
  await admin.connect();
});
beforeEach(() => {
  testPrefix = `${RUN_PREFIX}${++tests}:`;
});
afterEach(async () => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  await Promise.all(redisHandles.splice(0).map((handle) => handle.close()));
  await deleteKeys(testPrefix);
});
afterAll(async () => {
  await admin.close();
});

async function deleteKeys(prefix: string): Promise<void> {
  for await (const keys of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
    if (keys.length > 0) await admin.del(keys);
  }
}

/** A prefix of its own for one storage within the running test (a property run opens many). */
function newRedisPrefix(): string {
  return `${testPrefix}${++handles}:`;
}

async function openRedis(keyPrefix: string, url = REDIS_URL): Promise<RedisScheduleStore> {
  const store = await RedisScheduleStore.open(url, { keyPrefix });
  redisHandles.push(store);
  return store;
}

function tempDbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-schedules-'));
  dirs.push(dir);
  return join(dir, 'schedules.db');
}

/** The SQLite adapters run once per driver this Node can run (sqlite-drivers.ts). */
const sqliteDrivers = sqliteDriverCases().flatMap((availability) =>
  availability.isAvailable ? [availability.driver] : [],
);

for (const availability of sqliteDriverCases()) {
  if (!availability.isAvailable) {
    describe(`ScheduleStore conformance: sqlite on ${availability.name}`, () =>
      itIsUnavailableForTheDocumentedReason(availability));
  }
}

const adapters: [string, () => ScheduleStore | Promise<ScheduleStore>][] = [
  ['memory', () => new MemoryScheduleStore()],
  ...sqliteDrivers.flatMap((driver: SqliteDriver): [string, () => ScheduleStore][] => [
    [`sqlite (path, ${driver.name})`, () => new SqliteScheduleStore(tempDbPath(), { driver })],
    [
      `sqlite (connection, ${driver.name})`,
      () => new SqliteScheduleStore(openSqlite(':memory:', { driver })),
    ],
  ]),
  ['redis', () => openRedis(newRedisPrefix())],
];

describe.each(adapters)('ScheduleStore conformance: %s', (_name, open) => {
  it('adds a schedule as pending and reads it back', async () => {
    const store = await open();
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
    const store = await open();
    await store.add(newSchedule('a', T0));
    await expect(store.add(newSchedule('a', T0))).rejects.toMatchObject({ code: 'SCHEDULE_DUPLICATE_ID' });
    await store.close();
  });

  it('lists by due time, filtered by topic, owner and state', async () => {
    const store = await open();
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
    const store = await open();
    await store.add(newSchedule('a', T0, { ownerId: 'alice' }));
    expect(await store.cancel('a', 'bob')).toBe(false);
    expect(await store.cancel('a', 'alice')).toBe(true);
    expect(await store.cancel('a')).toBe(false);
    expect(await store.cancel('missing')).toBe(false);
    expect((await store.get('a'))?.state).toBe('cancelled');
    await store.close();
  });

  it('claims due schedules once, earliest first, up to the limit', async () => {
    const store = await open();
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
    const store = await open();
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
    const store = await open();
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
    const store = await open();
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
    const store = await open();
    await store.add(newSchedule('a', T0));
    await store.claimDue(T0, 10, 'w', 1_000);
    expect(await store.cancel('a')).toBe(true);
    expect(await store.complete('a', T0 + 1, 'w', { deliveredAtMs: T0, lateByMs: 0 })).toBe(false);
    expect((await store.get('a'))?.state).toBe('cancelled');
    expect(await store.nextDueMs()).toBeUndefined();
    await store.close();
  });

  it('renews only the claims the worker holds, returning them once each in the order asked', async () => {
    const store = await open();
    for (const id of ['a', 'b', 'c', 'd']) await store.add(newSchedule(id, T0));
    expect((await store.claimDue(T0, 2, 'w1', 5_000)).map((s) => s.id)).toEqual(['a', 'b']);
    expect((await store.claimDue(T0, 1, 'w2', 5_000)).map((s) => s.id)).toEqual(['c']);
    expect(await store.renew(['b', 'c', 'd', 'missing', 'a', 'b'], 'w1', T0 + 4_000, 5_000)).toEqual([
      'b',
      'a',
    ]);
    expect(await store.get('a')).toMatchObject({
      state: 'claimed',
      claimedBy: 'w1',
      leaseUntilMs: T0 + 9_000,
    });
    expect(await store.get('c')).toMatchObject({
      state: 'claimed',
      claimedBy: 'w2',
      leaseUntilMs: T0 + 5_000,
    });
    const pending = await store.get('d');
    expect([pending?.state, pending?.claimedBy, pending?.leaseUntilMs]).toEqual([
      'pending',
      undefined,
      undefined,
    ]);
    expect(await store.renew([], 'w1', T0 + 4_000, 5_000)).toEqual([]);
    // The renewed claims stay out of reach until their new lease ends; the other one lapsed as it was.
    expect((await store.claimDue(T0 + 8_999, 10, 'w3', 1_000)).map((s) => s.id)).toEqual(['c', 'd']);
    expect(await store.nextDueMs()).toBe(T0 + 9_000);
    expect((await store.claimDue(T0 + 9_000, 10, 'w3', 1_000)).map((s) => [s.id, s.claimedBy])).toEqual([
      ['a', 'w3'],
      ['b', 'w3'],
    ]);
    await store.close();
  });

  it('renews a lease that expired while nobody took it over, never one taken over', async () => {
    const store = await open();
    await store.add(newSchedule('a', T0));
    await store.claimDue(T0, 10, 'w1', 1_000);
    expect(await store.renew(['a'], 'w1', T0 + 2_000, 1_000)).toEqual(['a']);
    expect(await store.nextDueMs()).toBe(T0 + 3_000);
    expect(await store.claimDue(T0 + 2_999, 10, 'w2', 1_000)).toEqual([]);
    expect((await store.claimDue(T0 + 3_000, 10, 'w2', 1_000)).map((s) => s.claimedBy)).toEqual(['w2']);
    const takenOver = await store.get('a');
    expect(await store.renew(['a'], 'w1', T0 + 3_500, 60_000)).toEqual([]);
    expect(await store.get('a')).toEqual(takenOver);
    expect(await store.renew(['a'], 'w2', T0 + 3_500, 60_000)).toEqual(['a']);
    expect(await store.nextDueMs()).toBe(T0 + 63_500);
    await store.close();
  });

  it('renews nothing once the claim ended: completed, pending again or cancelled', async () => {
    const store = await open();
    for (const id of ['done', 'again', 'cancelled']) await store.add(newSchedule(id, T0));
    await store.claimDue(T0, 10, 'w', 1_000);
    const completions = [
      { id: 'done', nextDueMs: null, delivery: delivery(T0) },
      { id: 'again', nextDueMs: T0 + 60_000, delivery: delivery(T0) },
    ];
    expect(await store.completeAll(completions, 'w')).toBe(2);
    expect(await store.cancel('cancelled')).toBe(true);
    const before = await store.list();
    expect(await store.renew(['done', 'again', 'cancelled'], 'w', T0 + 500, 1_000)).toEqual([]);
    expect(await store.list()).toEqual(before);
    expect(await store.nextDueMs()).toBe(T0 + 60_000);
    await store.close();
  });

  it('purges finished schedules created before a cut-off', async () => {
    const store = await open();
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

describe('RedisScheduleStore', () => {
  it('keeps schedules in Redis: a new handle under the same prefix finds them, one under another does not', async () => {
    const keyPrefix = newRedisPrefix();
    const first = await openRedis(keyPrefix);
    await first.add(newSchedule('a', T0 + 1000, { ownerId: 'alice', rrule: 'FREQ=DAILY' }));
    await first.close();
    const second = await openRedis(keyPrefix);
    expect(await second.get('a')).toMatchObject({ dueAtMs: T0 + 1000, ownerId: 'alice', state: 'pending' });
    await expect(second.add(newSchedule('a', T0))).rejects.toMatchObject({ code: 'SCHEDULE_DUPLICATE_ID' });
    const elsewhere = await openRedis(newRedisPrefix());
    expect(await elsewhere.get('a')).toBeUndefined();
    expect(await elsewhere.nextDueMs()).toBeUndefined();
  });

  it('never hands one schedule to two connections claiming at the same instant', async () => {
    const keyPrefix = newRedisPrefix();
    const a = await openRedis(keyPrefix);
    const b = await openRedis(keyPrefix);
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
  });

  it('lists past one script page, in due order then id, filtering on every page', async () => {
    const store = await openRedis(newRedisPrefix());
    // 450 schedules: ids in reverse of due order on every third, so the order comes from the due time.
    for (let i = 0; i < 450; i++) {
      await store.add(
        newSchedule(`s${String(449 - i).padStart(3, '0')}`, T0 + Math.floor(i / 3), {
          topics: i % 50 === 0 ? ['t/rare'] : ['t/common'],
        }),
      );
    }
    const all = await store.list({ limit: 1_000 });
    expect(all).toHaveLength(450);
    const order = all.map((s) => [s.dueAtMs, s.id] as const);
    expect(order).toEqual(
      [...order].sort(([dueA, idA], [dueB, idB]) => dueA - dueB || (idA < idB ? -1 : idA > idB ? 1 : 0)),
    );
    expect((await store.list()).length).toBe(100);
    const rare = await store.list({ topic: 't/rare' });
    expect(rare.map((s) => s.dueAtMs)).toEqual(
      Array.from({ length: 9 }, (_, k) => T0 + Math.floor((50 * k) / 3)),
    );
    expect(await store.list({ states: [] })).toEqual([]);
    expect(await store.list({ limit: 0 })).toEqual([]);
  });

  it('purges finished schedules with their keys, and keeps every other schedule indexed', async () => {
    const keyPrefix = newRedisPrefix();
    const store = await openRedis(keyPrefix);
    for (let i = 0; i < 5; i++) await store.add(newSchedule(`s${i}`, T0 + i));
    await store.claimDue(T0 + 10, 3, 'w', 1_000);
    await store.completeAll(
      [
        { id: 's0', nextDueMs: null, delivery: delivery(T0) },
        { id: 's1', nextDueMs: T0 + 100, delivery: delivery(T0) },
      ],
      'w',
    );
    await store.cancel('s3');
    expect(await store.purgeFinished(T0 + 1)).toBe(2);
    expect(await admin.exists([`${keyPrefix}schedule:s0`, `${keyPrefix}schedule:s3`])).toBe(0);
    const members = async (set: string) => (await admin.zRange(`${keyPrefix}schedules:${set}`, 0, -1)).sort();
    expect(await members('all')).toEqual(['s1', 's2', 's4']);
    expect(await members('pending')).toEqual(['s1', 's4']);
    expect(await members('leases')).toEqual(['s2']);
    expect(await members('finished')).toEqual([]);
    expect((await store.list()).map((s) => [s.id, s.state])).toEqual([
      ['s2', 'claimed'],
      ['s4', 'pending'],
      ['s1', 'pending'],
    ]);
  });

  it('rejects with UNAVAILABLE while Redis is unreachable, and works again once it is back; CLOSED after close', async () => {
    const keyPrefix = newRedisPrefix();
    const link = await relay();
    const store = await openRedis(keyPrefix, link.url);
    await store.add(newSchedule('a', T0));
    await link.cut();
    const unavailable = expect.objectContaining({ name: 'StoreError', code: 'UNAVAILABLE' });
    await expect(store.claimDue(T0, 10, 'w', 1_000)).rejects.toEqual(unavailable);
    await expect(store.renew(['a'], 'w', T0, 1_000)).rejects.toEqual(unavailable);
    await expect(store.nextDueMs()).rejects.toEqual(unavailable);
    await expect(store.list()).rejects.toEqual(unavailable);
    await link.restore();
    await vi.waitFor(async () => expect(await store.nextDueMs()).toBe(T0), { timeout: 5_000 });
    expect((await store.claimDue(T0, 10, 'w', 1_000)).map((s) => s.id)).toEqual(['a']);
    await store.close();
    await expect(store.get('a')).rejects.toMatchObject({ name: 'StoreError', code: 'CLOSED' });
  });

  it('is what openStore gives for a redis:// URL, under the event store’s key prefix', async () => {
    const keyPrefix = newRedisPrefix();
    const opened = await openStore(REDIS_URL, { redisKeyPrefix: keyPrefix });
    try {
      expect(opened.schedules).toBeInstanceOf(RedisScheduleStore);
      await opened.schedules?.add(newSchedule('a', T0));
      expect((await (await openRedis(keyPrefix)).get('a'))?.state).toBe('pending');
      expect(await admin.exists(`${keyPrefix}schedule:a`)).toBe(1);
    } finally {
      await opened.schedules?.close();
      await opened.subscriberDirectory?.close();
      await opened.broker.close();
      await opened.store.close();
    }
  });
});

/**
 * A TCP relay to Redis that the test can cut and restore, standing in for Redis going down; either
 * side of a connection closing drops both.
 */
const relay = () => startRedisRelay(REDIS_URL, { destroysBothSides: true });

/**
 * Two workers on one storage, as two hub processes run them. SQLite shares its file between
 * connections, so each worker gets its own; memory lives in one instance, so both workers use it.
 */
const workerPairs: [string, () => Promise<[ScheduleStore, ScheduleStore]>][] = [
  [
    'memory (one instance for both workers)',
    async () => {
      const store = new MemoryScheduleStore();
      return [store, store];
    },
  ],
  ...sqliteDrivers.map((driver): [string, () => Promise<[ScheduleStore, ScheduleStore]>] => [
    `sqlite (two connections to one file, ${driver.name})`,
    async () => {
      const path = tempDbPath();
      return [new SqliteScheduleStore(path, { driver }), new SqliteScheduleStore(path, { driver })];
    },
  ]),
  [
    'redis (two connections under one key prefix)',
    async () => {
      const keyPrefix = newRedisPrefix();
      return [await openRedis(keyPrefix), await openRedis(keyPrefix)];
    },
  ],
];

describe.each(workerPairs)('ScheduleStore with two workers: %s', (_name, openPair) => {
  async function withPair(run: (w1: ScheduleStore, w2: ScheduleStore) => Promise<void>): Promise<void> {
    const [w1, w2] = await openPair();
    try {
      await run(w1, w2);
    } finally {
      await w1.close();
      if (w2 !== w1) await w2.close();
    }
  }

  it('hands every due schedule to exactly one of two workers claiming at the same instant', () =>
    withPair(async (w1, w2) => {
      for (let i = 0; i < 60; i++) await (i % 2 === 0 ? w1 : w2).add(newSchedule(`s${i}`, T0 + i));
      const owner = new Map<string, string>();
      for (let round = 0; round < 30 && owner.size < 60; round++) {
        const [x, y] = await Promise.all([
          w1.claimDue(T0 + 1000, 7, 'w1', 60_000),
          w2.claimDue(T0 + 1000, 5, 'w2', 60_000),
        ]);
        for (const [worker, claimed] of [
          ['w1', x],
          ['w2', y],
        ] as const) {
          for (const schedule of claimed) {
            expect(owner.get(schedule.id), `${schedule.id} claimed twice`).toBeUndefined();
            owner.set(schedule.id, worker);
          }
        }
      }
      expect(owner.size).toBe(60);
      for (const [id, worker] of owner) {
        expect((await w1.get(id))?.claimedBy).toBe(worker);
        expect((await w2.get(id))?.claimedBy).toBe(worker);
      }
    }));

  it('lets the other worker claim a schedule once its lease expired, and refuses the late completion of the worker that lost it without touching the new claim', () =>
    withPair(async (w1, w2) => {
      await w1.add(newSchedule('a', T0));
      expect((await w1.claimDue(T0, 10, 'w1', 5_000)).map((s) => s.id)).toEqual(['a']);
      // The lease holds up to, not including, T0 + 5000.
      expect(await w2.claimDue(T0 + 4_999, 10, 'w2', 5_000)).toEqual([]);
      const takenOver = await w2.claimDue(T0 + 5_000, 10, 'w2', 5_000);
      expect(takenOver.map((s) => [s.id, s.claimedBy, s.leaseUntilMs])).toEqual([['a', 'w2', T0 + 10_000]]);
      const before = await w2.get('a');
      expect(await w1.complete('a', T0 + 60_000, 'w1', delivery(T0 + 6_000))).toBe(false);
      expect(await w1.completeAll([{ id: 'a', nextDueMs: null, delivery: delivery(T0 + 6_000) }], 'w1')).toBe(
        0,
      );
      expect(await w2.get('a')).toEqual(before);
      // Nor may the loser claim it back while the new lease holds.
      expect(await w1.claimDue(T0 + 9_999, 10, 'w1', 5_000)).toEqual([]);
      expect(await w2.complete('a', null, 'w2', delivery(T0 + 7_000))).toBe(true);
      expect(await w1.get('a')).toMatchObject({
        state: 'done',
        deliveredCount: 1,
        lastDeliveredAtMs: T0 + 7_000,
      });
    }));

  it('keeps a claim renewed through one handle from the worker of the other until the renewed lease ends', () =>
    withPair(async (w1, w2) => {
      await w1.add(newSchedule('a', T0));
      await w1.claimDue(T0, 10, 'w1', 1_000);
      // Five renewals, each before the lease ends: four and a half leases held.
      for (let atMs = T0 + 900; atMs <= T0 + 4_500; atMs += 900) {
        expect(await w1.renew(['a'], 'w1', atMs, 1_000)).toEqual(['a']);
        expect(await w2.claimDue(atMs + 999, 10, 'w2', 1_000)).toEqual([]);
        expect(await w2.nextDueMs()).toBe(atMs + 1_000);
      }
      expect(await w2.renew(['a'], 'w2', T0 + 5_000, 1_000)).toEqual([]);
      expect((await w2.claimDue(T0 + 5_500, 10, 'w2', 1_000)).map((s) => s.claimedBy)).toEqual(['w2']);
      // The worker that lost it can neither renew nor complete it.
      expect(await w1.renew(['a'], 'w1', T0 + 5_600, 1_000)).toEqual([]);
      expect(await w1.complete('a', null, 'w1', delivery(T0 + 5_600))).toBe(false);
      expect(await w1.get('a')).toMatchObject({
        state: 'claimed',
        claimedBy: 'w2',
        leaseUntilMs: T0 + 6_500,
      });
    }));

  it('accepts a completion after the lease expired when no other worker took the schedule over', () =>
    withPair(async (w1, w2) => {
      await w1.add(newSchedule('a', T0));
      await w1.claimDue(T0, 10, 'w1', 1_000);
      expect(await w2.claimDue(T0 + 500, 10, 'w2', 1_000)).toEqual([]);
      expect(await w1.complete('a', T0 + 60_000, 'w1', delivery(T0 + 2_000))).toBe(true);
      expect(await w2.get('a')).toMatchObject({
        state: 'pending',
        dueAtMs: T0 + 60_000,
        claimedBy: undefined,
      });
      expect(await w2.claimDue(T0 + 2_000, 10, 'w2', 1_000)).toEqual([]);
    }));

  it('refuses the completion of a schedule cancelled through the other handle during its delivery', () =>
    withPair(async (w1, w2) => {
      await w1.add(newSchedule('a', T0));
      await w1.claimDue(T0, 10, 'w1', 1_000);
      expect(await w2.cancel('a')).toBe(true);
      expect(await w1.complete('a', T0 + 10, 'w1', delivery(T0))).toBe(false);
      expect((await w1.get('a'))?.state).toBe('cancelled');
      expect(await w2.claimDue(T0 + 10_000, 10, 'w2', 1_000)).toEqual([]);
    }));

  it('never lets two workers hold one schedule while its lease runs, and takes a completion or a renewal only from the holder, over random interleavings', async () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('claim' as const),
        worker: fc.constantFrom('w1', 'w2'),
        limit: fc.integer({ min: 1, max: 4 }),
        leaseMs: fc.constantFrom(100, 1_000, 5_000),
      }),
      fc.record({ kind: fc.constant('advance' as const), byMs: fc.integer({ min: 0, max: 3_000 }) }),
      fc.record({
        kind: fc.constant('complete' as const),
        worker: fc.constantFrom('w1', 'w2'),
        schedule: fc.nat({ max: 5 }),
        isLast: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant('renew' as const),
        worker: fc.constantFrom('w1', 'w2'),
        schedules: fc.array(fc.nat({ max: 5 }), { maxLength: 4 }),
        leaseMs: fc.constantFrom(100, 1_000, 5_000),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), (steps) =>
        withPair(async (w1, w2) => {
          const handle = (worker: string) => (worker === 'w1' ? w1 : w2);
          let nowMs = T0;
          /** What the store's answers so far say about each schedule. */
          const model = new Map<
            string,
            { dueAtMs: number; state: string; holder?: string; leaseUntilMs?: number }
          >();
          for (let i = 0; i < 6; i++) {
            await w1.add(newSchedule(`s${i}`, T0 + 300 * i));
            model.set(`s${i}`, { dueAtMs: T0 + 300 * i, state: 'pending' });
          }
          const isClaimable = (m: { dueAtMs: number; state: string; leaseUntilMs?: number }) =>
            (m.state === 'pending' && m.dueAtMs <= nowMs) ||
            (m.state === 'claimed' && m.leaseUntilMs! <= nowMs);
          for (const s of steps) {
            if (s.kind === 'advance') nowMs += s.byMs;
            if (s.kind === 'claim') {
              const claimed = await handle(s.worker).claimDue(nowMs, s.limit, s.worker, s.leaseMs);
              for (const schedule of claimed) {
                const m = model.get(schedule.id)!;
                expect(isClaimable(m), `${schedule.id} handed out while held by ${m.holder}`).toBe(true);
                expect(schedule).toMatchObject({
                  state: 'claimed',
                  claimedBy: s.worker,
                  leaseUntilMs: nowMs + s.leaseMs,
                });
                Object.assign(m, { state: 'claimed', holder: s.worker, leaseUntilMs: nowMs + s.leaseMs });
              }
              // Fewer than asked: nothing claimable was held back, an expired lease included.
              if (claimed.length < s.limit) expect([...model.values()].filter(isClaimable)).toEqual([]);
            }
            if (s.kind === 'renew') {
              const asked = s.schedules.map((n) => `s${n}`);
              // Only the holder renews: expired or not, as long as nobody took the claim over.
              const held = [...new Set(asked)].filter((id) => {
                const m = model.get(id)!;
                return m.state === 'claimed' && m.holder === s.worker;
              });
              expect(await handle(s.worker).renew(asked, s.worker, nowMs, s.leaseMs)).toEqual(held);
              for (const id of held) model.get(id)!.leaseUntilMs = nowMs + s.leaseMs;
            }
            if (s.kind === 'complete') {
              const id = `s${s.schedule}`;
              const m = model.get(id)!;
              const nextDueMs = s.isLast ? null : m.dueAtMs + 700;
              const before = await handle(s.worker).get(id);
              const isHolder = m.state === 'claimed' && m.holder === s.worker;
              expect(await handle(s.worker).complete(id, nextDueMs, s.worker, delivery(nowMs))).toBe(
                isHolder,
              );
              if (!isHolder) {
                expect(await w1.get(id)).toEqual(before);
                continue;
              }
              m.state = nextDueMs === null ? 'done' : 'pending';
              m.dueAtMs = nextDueMs ?? m.dueAtMs;
              m.holder = undefined;
              m.leaseUntilMs = undefined;
            }
          }
          for (const [id, m] of model) {
            const stored = await w2.get(id);
            expect([stored?.state, stored?.dueAtMs, stored?.claimedBy, stored?.leaseUntilMs]).toEqual([
              m.state,
              m.dueAtMs,
              m.holder,
              m.leaseUntilMs,
            ]);
          }
        }),
      ),
      { numRuns: 40 },
    );
  });

  it('delivers every occurrence at least once, and exactly once with the event-id dedupe, when workers stall past their leases or die', async () => {
    const SCHEDULES = 4;
    const OCCURRENCES = 3;
    const PERIOD_MS = 1_000;
    const LEASE_MS = 1_000;
    const step = fc.record({
      worker: fc.constantFrom('w1', 'w2'),
      advanceMs: fc.integer({ min: 0, max: 1_500 }),
      dies: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), (steps) =>
        withPair(async (w1, w2) => {
          const events = new MemoryStore();
          let nowMs = T0;
          for (let i = 0; i < SCHEDULES; i++) await w1.add(newSchedule(`s${i}`, T0 + 100 * i));
          const attempts = new Map<string, number>();
          const workers = new Map([
            [
              'w1',
              {
                store: w1,
                phase: 'idle' as 'idle' | 'claimed' | 'delivered',
                held: [] as { id: string; dueAtMs: number }[],
              },
            ],
            [
              'w2',
              {
                store: w2,
                phase: 'idle' as 'idle' | 'claimed' | 'delivered',
                held: [] as { id: string; dueAtMs: number }[],
              },
            ],
          ]);
          /** One phase of a worker's loop: claim, deliver (append), then complete, or die instead. */
          const advanceWorker = async (name: string, dies: boolean) => {
            const worker = workers.get(name)!;
            if (worker.phase === 'idle') {
              const claimed = await worker.store.claimDue(nowMs, 2, name, LEASE_MS);
              worker.held = claimed.map(({ id, dueAtMs }) => ({ id, dueAtMs }));
              worker.phase = claimed.length > 0 ? 'claimed' : 'idle';
            } else if (worker.phase === 'claimed') {
              for (const { id, dueAtMs } of worker.held) {
                const eventId = `urn:occurrence:${id}@${dueAtMs}`;
                attempts.set(eventId, (attempts.get(eventId) ?? 0) + 1);
                await events
                  .append({ id: eventId, topics: ['t'], data: '', isPrivate: false }, nowMs)
                  .catch((error: unknown) => expect(error).toMatchObject({ code: 'DUPLICATE_ID' }));
              }
              worker.phase = 'delivered';
            } else {
              if (!dies) {
                const completions = worker.held.map(({ id, dueAtMs }) => {
                  const occurrence = Math.round((dueAtMs - T0 - 100 * Number(id.slice(1))) / PERIOD_MS);
                  const nextDueMs = occurrence + 1 < OCCURRENCES ? dueAtMs + PERIOD_MS : null;
                  return { id, nextDueMs, delivery: delivery(nowMs) };
                });
                await worker.store.completeAll(completions, name);
              }
              worker.held = [];
              worker.phase = 'idle';
            }
          };
          for (const s of steps) {
            nowMs += s.advanceMs;
            await advanceWorker(s.worker, s.dies);
          }
          // Then both run without dying until nothing is left: each pass moves time past any lease.
          for (let pass = 0; pass < 200; pass++) {
            const left = await w1.list({ states: ['pending', 'claimed'] });
            if (left.length === 0) break;
            nowMs += LEASE_MS;
            await advanceWorker(pass % 2 === 0 ? 'w1' : 'w2', false);
            await advanceWorker(pass % 2 === 0 ? 'w2' : 'w1', false);
          }
          const expectedIds = Array.from({ length: SCHEDULES }, (_, i) =>
            Array.from(
              { length: OCCURRENCES },
              (_, k) => `urn:occurrence:s${i}@${T0 + 100 * i + PERIOD_MS * k}`,
            ),
          ).flat();
          const published = (await events.readRange(0, Number.MAX_SAFE_INTEGER, 1000)).map(
            (event) => event.id,
          );
          expect([...published].sort()).toEqual([...expectedIds].sort());
          for (const id of expectedIds) expect(attempts.get(id)).toBeGreaterThanOrEqual(1);
          for (const schedule of await w2.list()) {
            expect(schedule).toMatchObject({ state: 'done', deliveredCount: OCCURRENCES });
          }
        }),
      ),
      { numRuns: 40 },
    );
  });
});

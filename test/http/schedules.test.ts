import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { occurrenceEventId } from '../../src/schedule/occurrence-id.js';
import type { ScheduleRunner } from '../../src/schedule/runner.js';
import { openStore } from '../../src/store/open.js';
import { formatInstant } from '../../src/time/instant.js';
import { settle } from '../support/fake-time.js';
import {
  deleteRedisKeys,
  legacyToken,
  openTestStore,
  publish,
  STORE_KINDS,
  type StoreKind,
  subscribe,
  TEST_REDIS_URL,
} from './helpers.js';
import {
  advance,
  FakeTime,
  START_MS,
  schedulesRequest,
  startTimedHub,
  storedEvents,
  type TimedHub,
} from './schedules-support.js';

const MINUTE_MS = 60_000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDbUrl(): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-schedules-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return `sqlite:${join(dir, 'hub.db')}`;
}

/**
 * Fake time for hubs whose store may answer over the network (Redis): before it fires each timer,
 * and before it returns, it waits until every registered schedule runner is idle. FakeTime alone
 * lets promises settle for one turn after a timer, which a Redis round trip outlasts: the runner's
 * pass would still be in flight, its next timer not yet armed, when time moved on past it.
 */
class NetworkedTime extends FakeTime {
  readonly runners: ScheduleRunner[] = [];
  readonly #dueAtMs = new Map<unknown, number>();

  override setTimeout(callback: () => void, delayMs: number): unknown {
    const handle: unknown = super.setTimeout(() => {
      this.#dueAtMs.delete(handle);
      callback();
    }, delayMs);
    this.#dueAtMs.set(handle, this.nowMs() + Math.max(0, delayMs));
    return handle;
  }

  override clearTimeout(handle: unknown): void {
    this.#dueAtMs.delete(handle);
    super.clearTimeout(handle);
  }

  override async advanceBy(ms: number): Promise<void> {
    const endMs = this.nowMs() + ms;
    for (;;) {
      await this.#idle();
      const nextMs = Math.min(...this.#dueAtMs.values());
      if (!(nextMs <= endMs)) break;
      await super.advanceBy(Math.max(0, nextMs - this.nowMs()));
    }
    await super.advanceBy(endMs - this.nowMs());
    await this.#idle();
  }

  async #idle(): Promise<void> {
    await settle();
    await Promise.all(this.runners.map((runner) => runner.idle()));
  }
}

type HubOptions = Parameters<typeof startTimedHub>[2];

/** A hub on `time`, its schedule runner awaited by `time` when it moves. */
async function startOn(storeUrl: string, time: NetworkedTime, options: HubOptions = {}): Promise<TimedHub> {
  const hub = await startTimedHub(storeUrl, time, options);
  time.runners.push(hub.herald.schedules.runner);
  return hub;
}

async function hubOn(kind: StoreKind, time: NetworkedTime, options: HubOptions = {}): Promise<TimedHub> {
  let hub: TimedHub;
  if (kind === 'redis') {
    const testStore = await openTestStore('redis');
    cleanups.push(() => testStore.cleanup());
    // The memory store `startTimedHub` opens is replaced by the Redis one.
    hub = await startOn('memory', time, { store: testStore.opened, ...options });
  } else {
    hub = await startOn(kind === 'memory' ? 'memory' : tempDbUrl(), time, options);
  }
  cleanups.push(() => hub.close());
  return hub;
}

/** Storages several hubs (processes) share: a SQLite file, or a Redis key prefix. */
const SHARED_KINDS = ['sqlite', 'redis'] as const;

/** Returns a function that starts a hub on one new shared storage of `kind`, as often as asked. */
function sharedStorage(
  kind: (typeof SHARED_KINDS)[number],
): (time: NetworkedTime, options?: HubOptions) => Promise<TimedHub> {
  if (kind === 'sqlite') {
    const storeUrl = tempDbUrl();
    return (time, options) => startOn(storeUrl, time, options);
  }
  const redisKeyPrefix = `herald-test:${randomUUID()}:`;
  cleanups.push(() => deleteRedisKeys(TEST_REDIS_URL, redisKeyPrefix));
  return async (time, options) =>
    startOn('memory', time, { store: await openStore(TEST_REDIS_URL, { redisKeyPrefix }), ...options });
}

describe.each(STORE_KINDS)('scheduled publishing over HTTP (%s store)', (kind) => {
  it('holds a deliver_at publication until it is due, then delivers it once', async () => {
    const time = new NetworkedTime(START_MS);
    const { herald, url } = await hubOn(kind, time);
    const stream = await subscribe(url, 'topic=news');
    cleanups.push(() => stream.close());
    const token = await legacyToken({ publish: ['news'] });
    const dueAtMs = START_MS + 10 * MINUTE_MS;
    const response = await publish(url, token, [
      ['topic', 'news'],
      ['data', 'later'],
      ['deliver_at', formatInstant(dueAtMs)],
    ]);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const scheduleId = await response.text();
    expect(scheduleId).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);

    await advance(time, 10 * MINUTE_MS - 1);
    expect(await storedEvents(herald)).toEqual([]);
    await advance(time, 1);
    const [event] = await stream.waitFor(1);
    expect(event).toEqual({ id: occurrenceEventId(scheduleId, dueAtMs), event: undefined, data: 'later' });
    await advance(time, 60 * MINUTE_MS);
    const stored = await storedEvents(herald);
    expect(stored.map((e) => [e.id, e.publishedAtMs])).toEqual([[event?.id, dueAtMs]]);
    const json = await (await schedulesRequest(url, token, `/${scheduleId}`)).json();
    expect(json).toMatchObject({
      id: scheduleId,
      state: 'done',
      deliveredCount: 1,
      late: false,
      lateByMs: 0,
    });
    expect(json.lastDeliveredAt).toBe(formatInstant(dueAtMs));
  });

  it('delivers a past instant at once and says it was past', async () => {
    const time = new NetworkedTime(START_MS);
    const { url } = await hubOn(kind, time);
    const stream = await subscribe(url, 'topic=news');
    cleanups.push(() => stream.close());
    const token = await legacyToken({ publish: ['news'] });
    const response = await publish(
      url,
      token,
      [
        ['topic', 'news'],
        ['data', 'overdue'],
        ['deliver_at', '2026-03-26T23:00:00+00:00'],
      ],
      { accept: 'application/json' },
    );
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({
      isPast: true,
      requestedAt: '2026-03-26T23:00:00.000Z',
      requestedAtMs: START_MS - 60 * MINUTE_MS,
      dueAtMs: START_MS,
      dueAt: '2026-03-27T00:00:00.000Z',
      state: 'pending',
    });
    const [event] = await stream.waitFor(1);
    expect(event?.data).toBe('overdue');
  });

  it('answers 400 with both candidate instants for a wall time in a DST gap under reject', async () => {
    const time = new NetworkedTime(START_MS);
    const { herald, url } = await hubOn(kind, time);
    const token = await legacyToken({ publish: ['*'] });
    const response = await publish(url, token, [
      ['topic', 'news'],
      ['deliver_local', '2026-03-29T02:30'],
      ['deliver_tz', 'Europe/Oslo'],
      ['deliver_disambiguation', 'reject'],
    ]);
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain('"deliver_local"');
    // 02:30 never happens in Oslo that night: 01:30 +01:00 (earlier) or 03:30 +02:00 (later).
    expect(text).toContain('2026-03-29T00:30:00.000Z');
    expect(text).toContain('2026-03-29T01:30:00.000Z');
    expect(await herald.schedules.list()).toEqual([]);
  });

  it.each([
    [
      'an unknown zone',
      [
        ['deliver_local', '2026-04-01T09:00'],
        ['deliver_tz', 'Mars/Olympus_Mons'],
      ],
      'deliver_tz',
    ],
    ['a number for an instant', [['deliver_at', '1774569600']], 'deliver_at'],
    ['an instant beyond the horizon', [['deliver_at', '2037-01-01T00:00:00Z']], 'deliver_at'],
    ['a zone without a time', [['deliver_tz', 'Europe/Oslo']], 'deliver_tz'],
    [
      'a rule outside the subset',
      [
        ['deliver_at', '2026-04-01T09:00:00Z'],
        ['deliver_rrule', 'FREQ=HOURLY'],
      ],
      'deliver_rrule',
    ],
  ])('answers 400 naming the field for %s', async (_name, fields, field) => {
    const time = new NetworkedTime(START_MS);
    const { url } = await hubOn(kind, time);
    const token = await legacyToken({ publish: ['*'] });
    const response = await publish(url, token, [['topic', 'news'], ...(fields as [string, string][])]);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(`"${field}"`);
  });

  it('validates and authorizes a scheduled publish exactly like an immediate one', async () => {
    const time = new NetworkedTime(START_MS);
    const { herald, url } = await hubOn(kind, time);
    const token = await legacyToken({ publish: ['news'] });
    const at: [string, string] = ['deliver_at', '2026-03-28T00:00:00Z'];
    const forbidden = await publish(url, token, [['topic', 'other'], at]);
    expect(forbidden.status).toBe(403);
    const badRetry = await publish(url, token, [['topic', 'news'], ['retry', '1e3'], at]);
    expect(badRetry.status).toBe(400);
    expect(await badRetry.text()).toContain('"retry"');
    const badType = await publish(url, token, [['topic', 'news'], ['type', 'a\nb'], at]);
    expect(badType.status).toBe(400);
    const withId = await publish(url, token, [['topic', 'news'], ['id', 'mine'], at]);
    expect(withId.status).toBe(400);
    expect(await herald.schedules.list()).toEqual([]);
  });

  it('lists, shows and cancels only schedules whose topics the token may publish to', async () => {
    const time = new NetworkedTime(START_MS);
    const { herald, url } = await hubOn(kind, time);
    const admin = await legacyToken({ publish: ['*'] });
    const newsOnly = await legacyToken({ publish: ['news'] });
    const at: [string, string] = ['deliver_at', '2026-03-27T01:00:00Z'];
    const newsId = await (await publish(url, admin, [['topic', 'news'], at])).text();
    const secretId = await (await publish(url, admin, [['topic', 'secret'], at])).text();
    const bothId = await (await publish(url, admin, [['topic', 'news'], ['topic', 'secret'], at])).text();

    const listed = await (await schedulesRequest(url, newsOnly)).json();
    expect(listed.schedules.map((s: { id: string }) => s.id)).toEqual([newsId]);
    const all = await (await schedulesRequest(url, admin, '?topic=secret')).json();
    expect(all.schedules.map((s: { id: string }) => s.id).sort()).toEqual([secretId, bothId].sort());
    expect(all.schedules[0]).toMatchObject({ dueAt: '2026-03-27T01:00:00.000Z', state: 'pending' });

    expect((await schedulesRequest(url, undefined)).status).toBe(401);
    expect((await schedulesRequest(url, newsOnly, `/${secretId}`)).status).toBe(403);
    expect((await schedulesRequest(url, newsOnly, `/${encodeURIComponent(bothId)}`, 'DELETE')).status).toBe(
      403,
    );
    expect((await schedulesRequest(url, newsOnly, '/urn:uuid:nope', 'DELETE')).status).toBe(404);
    expect((await schedulesRequest(url, newsOnly, `/${newsId}`, 'DELETE')).status).toBe(204);
    expect((await schedulesRequest(url, newsOnly, `/${newsId}`, 'DELETE')).status).toBe(409);
    const cancelled = await (await schedulesRequest(url, newsOnly, `/${newsId}`)).json();
    expect(cancelled.state).toBe('cancelled');

    await advance(time, 2 * 60 * MINUTE_MS);
    const delivered = (await storedEvents(herald)).map((e) => e.topics);
    expect(delivered).toEqual([['secret'], ['news', 'secret']]);
  });

  it('delivers every occurrence of a recurring schedule, keeping the wall time across DST', async () => {
    const time = new NetworkedTime(START_MS);
    // Wakes only when something is due: four days of 60 s wakes would be 5,760 passes.
    const { herald, url } = await hubOn(kind, time, { schedules: { maxWaitMs: 86_400_000 } });
    const token = await legacyToken({ publish: ['news'] });
    const response = await publish(url, token, [
      ['topic', 'news'],
      ['data', 'good morning'],
      ['deliver_local', '2026-03-27T09:00'],
      ['deliver_tz', 'Europe/Oslo'],
      ['deliver_rrule', 'FREQ=DAILY;COUNT=3'],
    ]);
    expect(response.status).toBe(200);
    const scheduleId = await response.text();
    for (let day = 0; day < 4; day++) await advance(time, 24 * 60 * MINUTE_MS);
    const events = await storedEvents(herald);
    // 09:00 in Oslo is 08:00Z before the switch on 29 March and 07:00Z after it.
    expect(events.map((e) => formatInstant(e.publishedAtMs))).toEqual([
      '2026-03-27T08:00:00.000Z',
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    const json = await (await schedulesRequest(url, token, `/${scheduleId}`)).json();
    expect(json).toMatchObject({
      state: 'done',
      deliveredCount: 3,
      rrule: 'FREQ=DAILY;COUNT=3',
      zone: 'Europe/Oslo',
    });
  });
});

describe.each(SHARED_KINDS)('scheduled publishing on a shared %s store', (kind) => {
  it('after a restart delivers what fell due while down and marks it late', async () => {
    const time = new NetworkedTime(START_MS);
    const startHub = sharedStorage(kind);
    const first = await startHub(time);
    const token = await legacyToken({ publish: ['news'] });
    const scheduleId = await (
      await publish(first.url, token, [
        ['topic', 'news'],
        ['data', 'while down'],
        ['deliver_at', formatInstant(START_MS + 10 * MINUTE_MS)],
      ])
    ).text();
    await first.close();

    time.jump(60 * MINUTE_MS);
    const second = await startHub(time);
    cleanups.push(() => second.close());
    const events = await storedEvents(second.herald);
    expect(events.map((e) => [e.data, e.publishedAtMs])).toEqual([['while down', START_MS + 60 * MINUTE_MS]]);
    const json = await (await schedulesRequest(second.url, token, `/${scheduleId}`)).json();
    expect(json).toMatchObject({ state: 'done', late: true, lateByMs: 50 * MINUTE_MS, deliveredCount: 1 });
  });

  it('with two hubs running schedulers, delivers each schedule exactly once', async () => {
    const time = new NetworkedTime(START_MS);
    const startHub = sharedStorage(kind);
    const a = await startHub(time, { schedules: { batchSize: 3 } });
    cleanups.push(() => a.close());
    const b = await startHub(time);
    cleanups.push(() => b.close());
    const token = await legacyToken({ publish: ['news'] });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const target = i % 2 === 0 ? a : b;
      const at = formatInstant(START_MS + (1 + (i % 4)) * MINUTE_MS);
      const response = await publish(target.url, token, [
        ['topic', 'news'],
        ['data', `n${i}`],
        ['deliver_at', at],
      ]);
      ids.push(await response.text());
    }
    await advance(time, 10 * MINUTE_MS);
    const events = await storedEvents(a.herald);
    expect(events.map((e) => e.data).sort()).toEqual(ids.map((_, i) => `n${i}`).sort());
    expect(new Set(events.map((e) => e.id)).size).toBe(20);
    const done = await b.herald.schedules.list({ states: ['done'] });
    expect(done.map((s) => s.deliveredCount)).toEqual(Array(20).fill(1));
  });
});

describe.each(SHARED_KINDS)(
  'scheduled publishing after a crash between delivering and completing (%s store)',
  (kind) => {
    it('redelivers once the lease expires and the event store refuses the duplicate', async () => {
      const time = new NetworkedTime(START_MS);
      const hub = await sharedStorage(kind)(time, { schedules: { leaseMs: 30_000 } });
      cleanups.push(() => hub.close());
      const token = await legacyToken({ publish: ['news'] });
      const at = formatInstant(START_MS + MINUTE_MS);
      const scheduleId = await (
        await publish(hub.url, token, [
          ['topic', 'news'],
          ['deliver_at', at],
        ])
      ).text();
      // A process that claims the schedule, publishes its occurrence, then dies before `complete`.
      const { schedules } = hub.herald;
      const [claimed] = await schedules.store.claimDue(START_MS + MINUTE_MS, 10, 'crashed-worker', 30_000);
      if (claimed === undefined) throw new Error('nothing claimed');
      await schedules.deliver({
        schedule: claimed,
        eventId: occurrenceEventId(claimed.id, claimed.dueAtMs),
      } as Parameters<typeof schedules.deliver>[0]);
      await advance(time, MINUTE_MS + 10_000);
      expect((await schedules.get(scheduleId))?.state).toBe('claimed');
      await advance(time, 30_000);
      expect(await schedules.get(scheduleId)).toMatchObject({ state: 'done', deliveredCount: 1 });
      expect((await storedEvents(hub.herald)).length).toBe(1);
    });
  },
);

describe('/healthz', () => {
  it('reports the server time as RFC 3339 and epoch milliseconds', async () => {
    const time = new NetworkedTime(START_MS + 123);
    const { url } = await hubOn('memory', time);
    const health = await (await fetch(`${url}/healthz`)).json();
    expect(health).toMatchObject({ serverTime: '2026-03-27T00:00:00.123Z', serverTimeMs: START_MS + 123 });
  });
});

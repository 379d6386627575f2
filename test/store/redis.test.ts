/**
 * The Redis store and broker against a real Redis (127.0.0.1:6379 unless HERALD_TEST_REDIS_URL says
 * otherwise; `.ci/run` starts one). Every store opened here lives under its own key prefix, so test
 * files running in parallel never meet, and the prefixes of this run are deleted at the end.
 */
import { describe, expect, it, vi } from 'vitest';
import type { StoredEvent } from '../../src/hub/ports.js';
import { openStore } from '../../src/store/open.js';
import { RedisStore } from '../../src/store/redis.js';
import { RedisBroker } from '../../src/store/redis-broker.js';
import { TEST_REDIS_URL, useRedisKeyspace } from '../support/redis-keyspace.js';
import { startRedisRelay } from '../support/redis-relay.js';
import { describeStoreConformance, newEvent, readAll } from './conformance.js';

const REDIS_URL = TEST_REDIS_URL;
const T0_MS = Date.UTC(2025, 0, 1);
const { admin, toClose, newPrefix, deleteKeys } = useRedisKeyspace();

async function openHandles(keyPrefix: string, url = REDIS_URL) {
  const store = await RedisStore.open(url, { keyPrefix });
  const broker = await RedisBroker.open(url, { keyPrefix, onListenerError: () => {} });
  toClose.push(store, broker);
  return { store, broker };
}

describeStoreConformance(
  'RedisStore',
  async () => {
    const keyPrefix = newPrefix();
    const store = await RedisStore.open(REDIS_URL, { keyPrefix });
    const broker = await RedisBroker.open(REDIS_URL, { keyPrefix, onListenerError: () => {} });
    return { store, broker, openSecondHandle: () => RedisStore.open(REDIS_URL, { keyPrefix }) };
  },
  'shared',
);

describe('RedisBroker across processes', () => {
  it('delivers an event appended through one handle to a listener on another, with no publish', async () => {
    const keyPrefix = newPrefix();
    const first = await openHandles(keyPrefix);
    const second = await openHandles(keyPrefix);
    const received: StoredEvent[] = [];
    second.broker.subscribe((event) => received.push(event));
    const stored = await first.store.append(newEvent(1, { type: 't', retryMs: 5, isPrivate: true }), T0_MS);
    await vi.waitFor(() => expect(received).toEqual([stored]));
  });

  it('merges two writers’ events into cursor order, each exactly once, publishes included', async () => {
    const keyPrefix = newPrefix();
    const a = await openHandles(keyPrefix);
    const b = await openHandles(keyPrefix);
    const seen: Record<'a' | 'b', number[]> = { a: [], b: [] };
    a.broker.subscribe((event) => seen.a.push(event.cursor));
    b.broker.subscribe((event) => seen.b.push(event.cursor));
    const appends = Array.from({ length: 60 }, (_, n) => {
      const writer = n % 3 === 0 ? b : a;
      // Each hub publishes its own appends once they resolve, as Hub.publish does.
      return writer.store.append(newEvent(n), T0_MS).then(async (stored) => {
        await writer.broker.publish(stored);
        return stored.cursor;
      });
    });
    const cursors = (await Promise.all(appends)).sort((x, y) => x - y);
    await vi.waitFor(() => expect(seen.a).toEqual(cursors));
    await vi.waitFor(() => expect(seen.b).toEqual(cursors));
  });

  it('starts at the head: a listener gets what is appended after the broker opened, not the history', async () => {
    const keyPrefix = newPrefix();
    const writer = await openHandles(keyPrefix);
    await writer.store.append(newEvent(1), T0_MS);
    const late = await openHandles(keyPrefix);
    const received: string[] = [];
    late.broker.subscribe((event) => received.push(event.id));
    await writer.store.append(newEvent(2), T0_MS);
    await vi.waitFor(() => expect(received).toEqual(['urn:test:2']));
  });
});

describe('RedisStore after the data is lost (an unpersisted restart, FLUSHDB)', () => {
  it('never reuses a cursor, forgets the old ids, and the broker carries on', async () => {
    const keyPrefix = newPrefix();
    const writer = await openHandles(keyPrefix);
    // A process started after the loss remembers nothing: its cursors must still be new.
    const before = [
      await writer.store.append(newEvent(1), T0_MS),
      await writer.store.append(newEvent(2), T0_MS),
    ];
    const listener = await openHandles(keyPrefix);
    const received: string[] = [];
    listener.broker.subscribe((event) => received.push(event.id));
    await deleteKeys(keyPrefix);
    const fresh = await openHandles(keyPrefix);
    expect(await fresh.store.headCursor()).toBe(0);
    expect(await fresh.store.cursorOf('urn:test:1')).toBeUndefined();
    const after = await fresh.store.append(newEvent(3), T0_MS);
    expect(after.cursor).toBeGreaterThan(before[1]!.cursor);
    const next = await writer.store.append(newEvent(4), T0_MS);
    expect(next.cursor).toBe(after.cursor + 1);
    expect(await readAll(writer.store)).toEqual([after, next]);
    // The old event's id is free again: its repeat is stored anew.
    expect((await writer.store.append(newEvent(1), T0_MS)).cursor).toBe(next.cursor + 1);
    await vi.waitFor(() => expect(received).toEqual(['urn:test:3', 'urn:test:4', 'urn:test:1']));
  });

  it('keeps above the cursors a handle saw when the counter went back (a restore from an old snapshot)', async () => {
    const keyPrefix = newPrefix();
    const { store } = await openHandles(keyPrefix);
    const first = await store.append(newEvent(1), T0_MS);
    const second = await store.append(newEvent(2), T0_MS);
    await admin.set(`${keyPrefix}cursor`, String(first.cursor - 1000));
    await admin.xTrim(`${keyPrefix}events`, 'MAXLEN', 0);
    expect((await store.append(newEvent(3), T0_MS)).cursor).toBe(second.cursor + 1);
  });

  it('keeps above what its broker delivered from other processes when the counter went back', async () => {
    const keyPrefix = newPrefix();
    // This process only received the other's events: its own appends would be no floor.
    const here = await openStore(REDIS_URL, { redisKeyPrefix: keyPrefix, onListenerError: () => {} });
    toClose.push(here.store, here.broker, ...(here.schedules ? [here.schedules] : []));
    if (here.subscriberDirectory) toClose.push(here.subscriberDirectory);
    const received: StoredEvent[] = [];
    here.broker.subscribe((event) => received.push(event));
    const other = await openHandles(keyPrefix);
    const first = await other.store.append(newEvent(1), T0_MS);
    const second = await other.store.append(newEvent(2), T0_MS);
    await vi.waitFor(() => expect(received.map((e) => e.cursor)).toEqual([first.cursor, second.cursor]));
    // Redis comes back from a snapshot taken after the first event.
    await admin.set(`${keyPrefix}cursor`, String(first.cursor));
    await admin.xTrim(`${keyPrefix}events`, 'MINID', `0-${second.cursor + 1}`);
    const third = await here.store.append(newEvent(3), T0_MS);
    expect(third.cursor).toBeGreaterThan(second.cursor);
    await vi.waitFor(() =>
      expect(received.map((e) => e.id)).toEqual(['urn:test:1', 'urn:test:2', 'urn:test:3']),
    );
  });
});

describe('RedisStore when Redis is unreachable', () => {
  /** A TCP relay to Redis that the test can cut and restore, standing in for Redis going down. */
  const relay = () => startRedisRelay(REDIS_URL);

  it('fails to open with OPEN_FAILED when nothing answers', async () => {
    const closed = await relay();
    await closed.cut();
    await expect(openStore(closed.url)).rejects.toEqual(expect.objectContaining({ code: 'OPEN_FAILED' }));
  });

  it('reports not ready (ping: UNAVAILABLE) while Redis is down or silent, and ready once it answers again', async () => {
    const link = await relay();
    const { store, broker } = await openHandles(newPrefix(), link.url);
    await expect(store.ping()).resolves.toBeUndefined();
    await expect(broker.ping()).resolves.toBeUndefined();
    const unavailable = expect.objectContaining({ name: 'StoreError', code: 'UNAVAILABLE' });

    await link.cut();
    await expect(store.ping()).rejects.toEqual(unavailable);
    await vi.waitFor(() => expect(broker.ping()).rejects.toEqual(unavailable));
    await link.restore();
    await vi.waitFor(() => expect(store.ping()).resolves.toBeUndefined(), { timeout: 5_000 });
    await vi.waitFor(() => expect(broker.ping()).resolves.toBeUndefined(), { timeout: 5_000 });

    // Connected but silent: the PING times out instead of hanging the probe.
    link.stall();
    const startedMs = Date.now();
    await expect(store.ping()).rejects.toEqual(unavailable);
    expect(Date.now() - startedMs).toBeLessThan(3_000);
    link.resume();
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('rejects appends with UNAVAILABLE while Redis is down, then works again, the broker resuming from its last cursor', async () => {
    const keyPrefix = newPrefix();
    const link = await relay();
    const cut = await openHandles(keyPrefix, link.url);
    const direct = await openHandles(keyPrefix);
    const received: string[] = [];
    cut.broker.subscribe((event) => received.push(event.id));
    await cut.store.append(newEvent(1), T0_MS);
    await vi.waitFor(() => expect(received).toEqual(['urn:test:1']));

    await link.cut();
    await expect(cut.store.append(newEvent(2), T0_MS)).rejects.toEqual(
      expect.objectContaining({ name: 'StoreError', code: 'UNAVAILABLE' }),
    );
    // Appended elsewhere while this process cannot reach Redis.
    await direct.store.append(newEvent(3), T0_MS);
    await direct.store.append(newEvent(4), T0_MS);

    await link.restore();
    await vi.waitFor(() => expect(received).toEqual(['urn:test:1', 'urn:test:3', 'urn:test:4']), {
      timeout: 5_000,
    });
    await vi.waitFor(async () => expect((await cut.store.append(newEvent(5), T0_MS)).id).toBe('urn:test:5'), {
      timeout: 5_000,
    });
    await vi.waitFor(() => expect(received.at(-1)).toBe('urn:test:5'));
  });
});

describe('openStore with a redis:// URL', () => {
  it('opens a store and a broker on one history, and the schedule store beside them', async () => {
    const keyPrefix = newPrefix();
    const opened = await openStore(REDIS_URL, { redisKeyPrefix: keyPrefix });
    toClose.push(opened.store, opened.broker, ...(opened.schedules ? [opened.schedules] : []));
    expect(opened.schedules?.constructor.name).toBe('RedisScheduleStore');
    expect(opened.retention).toEqual({ maxEvents: 100_000 });
    const received: string[] = [];
    opened.broker.subscribe((event) => received.push(event.id));
    const other = await RedisStore.open(REDIS_URL, { keyPrefix });
    toClose.push(other);
    await other.append(newEvent(1), T0_MS);
    await vi.waitFor(() => expect(received).toEqual(['urn:test:1']));
  });
});

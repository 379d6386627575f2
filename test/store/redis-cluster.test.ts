/**
 * What several hub processes on one Redis share besides the history: the subscriber directory
 * (`src/store/redis-subscribers.ts`) and the retention lock of `RedisStore.prune`. Against a real
 * Redis (127.0.0.1:6379 unless HERALD_TEST_REDIS_URL says otherwise), each test under its own key
 * prefix, deleted at the end. Heartbeats run on fake timers; a TTL runs out in Redis, in real time,
 * so the tests that need one use a short TTL and poll.
 */
import { describe, expect, it, vi } from 'vitest';
import type { DirectoryMember, SubscriberDirectory } from '../../src/hub/ports.js';
import { compileSelector } from '../../src/hub/selector.js';
import { LocalSubscriberDirectory } from '../../src/hub/subscriber-directory.js';
import { openStore } from '../../src/store/open.js';
import { PRUNE_LOCK_MS, RedisStore } from '../../src/store/redis.js';
import {
  RedisSubscriberDirectory,
  type RedisSubscriberDirectoryOptions,
} from '../../src/store/redis-subscribers.js';
import { FakeTime } from '../support/fake-time.js';
import { beating } from '../support/redis-hubs.js';
import { TEST_REDIS_URL, useRedisKeyspace } from '../support/redis-keyspace.js';
import { startRedisRelay } from '../support/redis-relay.js';
import { newEvent, readAll } from './conformance.js';

const REDIS_URL = TEST_REDIS_URL;
const T0_MS = Date.UTC(2025, 0, 1);
const { admin, toClose, newPrefix } = useRedisKeyspace();

async function openDirectory(
  keyPrefix: string,
  options: Omit<RedisSubscriberDirectoryOptions, 'keyPrefix'> = {},
  url = REDIS_URL,
): Promise<RedisSubscriberDirectory> {
  const directory = await RedisSubscriberDirectory.open(url, {
    timers: new FakeTime(T0_MS),
    ...options,
    keyPrefix,
  });
  toClose.push(directory);
  return directory;
}

/** A subscriber as the hub would record it: 0.x and draft-08 selectors, a payload per selector. */
function member(
  id: string,
  selectors: [kind: 'exact' | 'template' | 'urlpattern', raw: string][] = [['exact', 'urn:a']],
  payload?: unknown,
): DirectoryMember {
  return {
    id,
    subscribedAtMs: T0_MS + 123,
    selectors: selectors.map(([kind, raw]) => compileSelector(kind, raw)),
    payloadOf: () => payload,
  };
}

const idsOf = async (directory: SubscriberDirectory) =>
  (await directory.list()).map((entry) => entry.subscriberId).sort();

/** A TCP relay to Redis that the test can cut and restore, standing in for Redis going down. */
const relay = () => startRedisRelay(REDIS_URL);

describe.each([
  ['LocalSubscriberDirectory', async () => new LocalSubscriberDirectory({ maxListed: 2 })],
  ['RedisSubscriberDirectory', async () => openDirectory(newPrefix(), { maxListed: 2 })],
])('%s (one process)', (_name, open: () => Promise<SubscriberDirectory>) => {
  it('lists what was added and not removed, with the facts of each selector, at most its cap; find ignores the cap', async () => {
    const directory = await open();
    const one = member(
      'urn:sub:1',
      [
        ['template', 'https://example.com/{id}'],
        ['urlpattern', 'https://example.com/:id'],
      ],
      { name: 'one' },
    );
    directory.add(one);
    directory.add(member('urn:sub:2'));
    directory.add(member('urn:sub:3'));
    expect(await directory.list()).toHaveLength(2);
    expect(await directory.stats()).toEqual({ nodes: 1, subscribers: 3 });
    expect(await directory.find('urn:sub:1')).toEqual([
      {
        subscriberId: 'urn:sub:1',
        subscribedAtMs: T0_MS + 123,
        subscriptions: [
          { kind: 'template', raw: 'https://example.com/{id}', payload: { name: 'one' } },
          { kind: 'urlpattern', raw: 'https://example.com/:id', payload: { name: 'one' } },
        ],
      },
    ]);
    directory.remove(one);
    // A member that is not the recorded one under its id changes nothing.
    directory.remove(member('urn:sub:2'));
    expect(await idsOf(directory)).toEqual(['urn:sub:2', 'urn:sub:3']);
    expect(await directory.find('urn:sub:1')).toEqual([]);
    expect(await directory.stats()).toEqual({ nodes: 1, subscribers: 2 });
  });
});

describe('RedisSubscriberDirectory across processes', () => {
  it('lists on every node the subscribers of every live node, payloads and selectors included, and counts them', async () => {
    const keyPrefix = newPrefix();
    const a = await openDirectory(keyPrefix);
    const b = await openDirectory(keyPrefix);
    const c = await openDirectory(keyPrefix);
    a.add(member('urn:sub:a', [['template', 'https://example.com/{id}']], { user: 'a' }));
    b.add(member('urn:sub:b1'));
    b.add(member('urn:sub:b2', [['urlpattern', 'https://example.com/:id']]));
    await vi.waitFor(async () => expect(await idsOf(c)).toEqual(['urn:sub:a', 'urn:sub:b1', 'urn:sub:b2']));
    expect(await idsOf(a)).toEqual(['urn:sub:a', 'urn:sub:b1', 'urn:sub:b2']);
    expect(await c.find('urn:sub:a')).toEqual([
      {
        subscriberId: 'urn:sub:a',
        subscribedAtMs: T0_MS + 123,
        subscriptions: [{ kind: 'template', raw: 'https://example.com/{id}', payload: { user: 'a' } }],
      },
    ]);
    expect(await c.stats()).toEqual({ nodes: 3, subscribers: 3 });
    expect(await a.stats()).toEqual({ nodes: 3, subscribers: 3 });
  });

  it('withdraws a node that closes at once: its subscribers and its count are gone everywhere', async () => {
    const keyPrefix = newPrefix();
    const a = await openDirectory(keyPrefix);
    const b = await openDirectory(keyPrefix);
    a.add(member('urn:sub:a'));
    await vi.waitFor(async () => expect(await idsOf(b)).toEqual(['urn:sub:a']));
    await a.close();
    expect(await idsOf(b)).toEqual([]);
    expect(await b.find('urn:sub:a')).toEqual([]);
    expect(await b.stats()).toEqual({ nodes: 1, subscribers: 0 });
    expect(await admin.keys(`${keyPrefix}*${a.nodeId}`)).toEqual([]);
  });

  it('removes a subscriber everywhere once its node wrote the removal, and a subscribe and close within one turn writes nothing lasting', async () => {
    const keyPrefix = newPrefix();
    const a = await openDirectory(keyPrefix);
    const b = await openDirectory(keyPrefix);
    const kept = member('urn:sub:kept');
    const gone = member('urn:sub:gone');
    a.add(kept);
    a.add(gone);
    await vi.waitFor(async () => expect(await idsOf(b)).toEqual(['urn:sub:gone', 'urn:sub:kept']));
    a.remove(gone);
    const brief = member('urn:sub:brief');
    a.add(brief);
    a.remove(brief);
    await vi.waitFor(async () => expect(await idsOf(b)).toEqual(['urn:sub:kept']));
    expect(await admin.hKeys(`${keyPrefix}subscribers:${a.nodeId}`)).toEqual(['urn:sub:kept']);
  });

  it('drops a node whose heartbeat stopped within its TTL (its keys too), and takes it back whole at its next heartbeat', async () => {
    const keyPrefix = newPrefix();
    const stalled = new FakeTime(T0_MS);
    const a = await openDirectory(keyPrefix, { timers: stalled, ttlMs: 600 });
    const stop = beating(stalled, 200);
    const b = await openDirectory(keyPrefix);
    a.add(member('urn:sub:a'));
    await vi.waitFor(async () => expect(await idsOf(b)).toEqual(['urn:sub:a']));
    // From now on A's timers never fire: no heartbeat, as in a process that hangs or died without closing.
    stop();
    await vi.waitFor(async () => expect(await b.stats()).toEqual({ nodes: 1, subscribers: 0 }), {
      timeout: 5_000,
      interval: 50,
    });
    expect(await idsOf(b)).toEqual([]);
    expect(await admin.sIsMember(`${keyPrefix}nodes`, a.nodeId)).toBe(0);
    expect(await admin.exists(`${keyPrefix}subscribers:${a.nodeId}`)).toBe(0);
    // A itself still lists its own subscriber: they come from its memory.
    expect(await idsOf(a)).toEqual(['urn:sub:a']);

    await stalled.advanceBy(200);
    await vi.waitFor(async () => expect(await idsOf(b)).toEqual(['urn:sub:a']));
    expect(await b.stats()).toEqual({ nodes: 2, subscribers: 1 });
  });

  it('keeps recording while Redis is down (reads reject with UNAVAILABLE) and catches up when it is back', async () => {
    const keyPrefix = newPrefix();
    const link = await relay();
    const time = new FakeTime(T0_MS);
    const a = await openDirectory(keyPrefix, { timers: time, ttlMs: 30_000 }, link.url);
    const b = await openDirectory(keyPrefix);
    const before = member('urn:sub:before');
    a.add(before);
    await vi.waitFor(async () => expect(await idsOf(b)).toEqual(['urn:sub:before']));

    await link.cut();
    a.remove(before);
    expect(() => a.add(member('urn:sub:during'))).not.toThrow();
    await expect(a.list()).rejects.toEqual(
      expect.objectContaining({ name: 'StoreError', code: 'UNAVAILABLE' }),
    );
    // What A wrote while down went nowhere: B still sees the old state.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await idsOf(b)).toEqual(['urn:sub:before']);

    await link.restore();
    // The next heartbeat that reaches Redis rewrites A's whole hash.
    await vi.waitFor(
      async () => {
        await time.advanceBy(10_000);
        expect(await idsOf(b)).toEqual(['urn:sub:during']);
      },
      { timeout: 5_000, interval: 50 },
    );
    a.add(member('urn:sub:after'));
    await vi.waitFor(async () => expect(await idsOf(b)).toEqual(['urn:sub:after', 'urn:sub:during']));
    expect(await idsOf(a)).toEqual(['urn:sub:after', 'urn:sub:during']);
  });

  it('openStore opens one for a redis:// URL, under the store’s key prefix', async () => {
    const keyPrefix = newPrefix();
    const opened = await openStore(REDIS_URL, {
      redisKeyPrefix: keyPrefix,
      redisSubscribers: { timers: new FakeTime(T0_MS), nodeId: 'node-1' },
    });
    toClose.push(opened.store, opened.broker);
    const directory = opened.subscriberDirectory;
    if (directory === undefined) throw new Error('no subscriber directory');
    toClose.push(directory);
    const other = await openDirectory(keyPrefix);
    directory.add(member('urn:sub:1'));
    await vi.waitFor(async () => expect(await idsOf(other)).toEqual(['urn:sub:1']));
    expect(await admin.exists(`${keyPrefix}node:node-1`)).toBe(1);
    const memory = await openStore('memory');
    expect(memory.subscriberDirectory).toBeUndefined();
    await memory.store.close();
  });
});

describe('RedisStore retention lock', () => {
  async function storesWithEvents(count: number) {
    const keyPrefix = newPrefix();
    const a = await RedisStore.open(REDIS_URL, { keyPrefix });
    const b = await RedisStore.open(REDIS_URL, { keyPrefix });
    toClose.push(a, b);
    for (let i = 1; i <= count; i++) await a.append(newEvent(i), T0_MS);
    return { keyPrefix, a, b, lock: `${keyPrefix}prune-lock` };
  }

  it('lets one of two handles pruning at once drop the events; the other returns 0; the lock is released after', async () => {
    const { a, b, lock } = await storesWithEvents(10);
    const dropped = await Promise.all([a.prune({ maxEvents: 2 }, T0_MS), b.prune({ maxEvents: 2 }, T0_MS)]);
    expect(dropped.sort((x, y) => x - y)).toEqual([0, 8]);
    expect((await readAll(a)).map((event) => event.id)).toEqual(['urn:test:9', 'urn:test:10']);
    expect(await admin.exists(lock)).toBe(0);
    // Released: the next prune runs (and finds nothing more to drop).
    await a.append(newEvent(11), T0_MS);
    expect(await b.prune({ maxEvents: 2 }, T0_MS)).toBe(1);
  });

  it('drops nothing while another holds the lock, and never deletes a lock it does not hold', async () => {
    const { a, lock } = await storesWithEvents(5);
    await admin.set(lock, 'another-process', { PX: PRUNE_LOCK_MS });
    expect(await a.prune({ maxEvents: 1 }, T0_MS)).toBe(0);
    expect(await readAll(a)).toHaveLength(5);
    expect(await admin.get(lock)).toBe('another-process');
    const ttlMs = await admin.pTTL(lock);
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(PRUNE_LOCK_MS);

    // The holder died: its lock expires by itself, and the next prune runs.
    await admin.pExpire(lock, 1);
    await vi.waitFor(async () => expect(await admin.exists(lock)).toBe(0));
    expect(await a.prune({ maxEvents: 1 }, T0_MS)).toBe(4);
  });
});

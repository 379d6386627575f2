/**
 * Hubs on one Redis as one cluster: the subscriptions API of any hub lists the subscribers of all of
 * them (`src/store/redis-subscribers.ts`), subscription events cross hubs (they go through the
 * store), and the cluster gauges count every hub and subscriber. Needs the Redis of the store tests
 * (see test/store/redis.test.ts); each test under its own key prefix, deleted after it.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHub } from '../../src/http/index.js';
import { HubMetrics } from '../../src/http/metrics.js';
import { LocalSubscriberDirectory } from '../../src/hub/subscriber-directory.js';
import { type OpenStoreOptions, openStore } from '../../src/store/open.js';
import { FakeTime } from '../support/fake-time.js';
import { serveHub } from '../support/listen.js';
import { beating } from '../support/redis-hubs.js';
import {
  draftToken,
  ISSUER,
  legacyToken,
  RESOURCE,
  SECRET,
  subscribe,
  type TestHub,
  waitForSubscribers,
} from './helpers.js';

const REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/14';
const SUBSCRIPTIONS = '/.well-known/mercure/subscriptions';
const q = (value: string) => encodeURIComponent(value);

let keyPrefix = '';
const hubs: TestHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
  const prefix = keyPrefix;
  keyPrefix = '';
  // Never an empty pattern: that would be every key of the database.
  if (prefix === '') return;
  const admin = createClient({ url: REDIS_URL });
  await admin.connect();
  for await (const keys of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
    if (keys.length > 0) await admin.del(keys);
  }
  await admin.close();
});

/** A hub on the test's Redis prefix, served on loopback, with the subscriptions API. */
async function startRedisHub(storeOptions: OpenStoreOptions = {}): Promise<TestHub> {
  if (keyPrefix === '') keyPrefix = `herald-test:${randomUUID()}:`;
  const herald = await createHub({
    store: await openStore(REDIS_URL, { ...storeOptions, redisKeyPrefix: keyPrefix }),
    jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE, issuer: ISSUER },
    // Relative URL patterns (the subscription events' topics) need the hub's URL as their base.
    hubUrl: RESOURCE,
    subscriptionsApi: true,
  });
  const hub = await serveHub(herald);
  hubs.push(hub);
  return hub;
}

async function startCluster(count: number, storeOptions: OpenStoreOptions = {}): Promise<TestHub[]> {
  const started: TestHub[] = [];
  for (let i = 0; i < count; i++) started.push(await startRedisHub(storeOptions));
  return started;
}

/** A token reading the whole subscriptions API and every subscription event (0.x: JSON-LD answers). */
const apiToken = () => legacyToken({ subscribe: ['*'] });

async function getJson(
  hub: TestHub,
  path: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${hub.url}${path}`, {
    headers: { authorization: `Bearer ${await apiToken()}` },
  });
  const text = await response.text();
  return { status: response.status, body: response.status === 200 ? JSON.parse(text) : {} };
}

async function subscriptionsOf(hub: TestHub, path = SUBSCRIPTIONS): Promise<Record<string, unknown>[]> {
  const { status, body } = await getJson(hub, path);
  expect(status).toBe(200);
  return body['subscriptions'] as Record<string, unknown>[];
}

const subscribersIn = async (hub: TestHub, path?: string) =>
  [...new Set((await subscriptionsOf(hub, path)).map((doc) => doc['subscriber'] as string))].sort();

const idsOn = (hub: TestHub) => [...hub.herald.hub.subscribers].map((subscriber) => subscriber.id);

async function gauge(hub: TestHub, name: string): Promise<number> {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (match === null) throw new Error(`no ${name} in the metrics`);
  return Number(match[1]);
}

describe('the subscriptions API across hubs on one Redis', () => {
  it('lists on every hub the subscribers of all of them, a single subscription too, and no longer those of a hub once it closed', async () => {
    const [a, b, c] = (await startCluster(3)) as [TestHub, TestHub, TestHub];
    const onA = await subscribe(a.url, `topic=${q('https://example.com/books/{id}')}`, {
      authorization: `Bearer ${await legacyToken({ subscribe: ['*'], payload: { user: 'alice' } }, { sub: 'urn:user:alice' })}`,
    });
    const onB = await subscribe(b.url, 'match=urn:b', {
      authorization: `Bearer ${await draftToken(['subscribe'], [{ match: 'urn:b' }])}`,
    });
    await waitForSubscribers(a.herald, 1);
    await waitForSubscribers(b.herald, 1);
    const [idOnB] = idsOn(b);
    const everyone = ['urn:user:alice', idOnB].sort();
    for (const hub of [a, b, c]) {
      await vi.waitFor(async () => expect(await subscribersIn(hub)).toEqual(everyone));
    }

    const docs = await subscriptionsOf(c);
    const alice = docs.find((doc) => doc['subscriber'] === 'urn:user:alice');
    expect(alice).toEqual({
      id: `${SUBSCRIPTIONS}/${q('https://example.com/books/{id}')}/${q('urn:user:alice')}`,
      type: 'Subscription',
      topic: 'https://example.com/books/{id}',
      subscriber: 'urn:user:alice',
      active: true,
      payload: { user: 'alice' },
      'herald:subscribedAt': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const bobPath = `${SUBSCRIPTIONS}/exact/${q('urn:b')}/${q(idOnB ?? '')}`;
    const single = await getJson(c, bobPath);
    expect(single.status).toBe(200);
    expect(single.body).toMatchObject({ id: bobPath, type: 'subscription', match: 'urn:b', active: true });
    expect(await subscribersIn(c, `${SUBSCRIPTIONS}/exact/${q('urn:b')}`)).toEqual([idOnB]);

    await b.close();
    await onB.ended;
    expect(await subscribersIn(c)).toEqual(['urn:user:alice']);
    expect(await subscribersIn(a)).toEqual(['urn:user:alice']);
    expect((await getJson(c, bobPath)).status).toBe(404);
    onA.close();
  });

  it('drops a hub that stopped heartbeating from the others’ answers within its TTL, while it still lists its own', async () => {
    const heartbeats = new FakeTime(Date.now());
    const a = await startRedisHub({ redisSubscribers: { timers: heartbeats, ttlMs: 600 } });
    const stop = beating(heartbeats, 200);
    const b = await startRedisHub();
    const stream = await subscribe(a.url, 'match=urn:a', {
      authorization: `Bearer ${await draftToken(['subscribe'], [{ match: 'urn:a' }])}`,
    });
    await waitForSubscribers(a.herald, 1);
    await vi.waitFor(async () => expect(await subscribersIn(b)).toEqual(idsOn(a)));
    // A's directory heartbeat stops: a hub that hangs, or died unannounced.
    stop();
    await vi.waitFor(async () => expect(await subscribersIn(b)).toEqual([]), {
      timeout: 5_000,
      interval: 50,
    });
    expect(await subscribersIn(a)).toEqual(idsOn(a));
    expect(await gauge(b, 'herald_cluster_nodes')).toBe(1);
    stream.close();
  });

  it('delivers the subscription events of a subscriber on one hub to a watcher on another', async () => {
    const [a, b] = (await startCluster(2)) as [TestHub, TestHub];
    const watcher = await subscribe(
      b.url,
      `match_urlpattern=${q(`${SUBSCRIPTIONS}/:type/:match/:subscriber`)}`,
      {
        authorization: `Bearer ${await apiToken()}`,
      },
    );
    await waitForSubscribers(b.herald, 1);
    const stream = await subscribe(a.url, 'match=urn:a', {
      authorization: `Bearer ${await draftToken(['subscribe'], [{ match: 'urn:a' }])}`,
    });
    await waitForSubscribers(a.herald, 1);
    const [id] = idsOn(a);
    const docs = () =>
      watcher.events
        .filter((event) => event.event === 'mercure')
        .map((event) => JSON.parse(event.data) as Record<string, unknown>)
        .filter((doc) => doc['subscriber'] === id);
    await vi.waitFor(() => expect(docs().map((doc) => doc['active'])).toEqual([true]));
    expect(docs()[0]).toMatchObject({
      id: `${SUBSCRIPTIONS}/exact/${q('urn:a')}/${q(id ?? '')}`,
      match: 'urn:a',
    });
    stream.close();
    await vi.waitFor(() => expect(docs().map((doc) => doc['active'])).toEqual([true, false]));
    watcher.close();
  });
});

describe('cluster gauges', () => {
  it('herald_cluster_nodes and herald_cluster_subscribers count every hub on the Redis and its subscribers, on each hub', async () => {
    const [a, b, c] = (await startCluster(3)) as [TestHub, TestHub, TestHub];
    const auth = { authorization: `Bearer ${await draftToken(['subscribe'], [{ match: 'urn:a' }])}` };
    const streams = [await subscribe(a.url, 'match=urn:a', auth)];
    streams.push(await subscribe(b.url, 'match=urn:a', auth), await subscribe(b.url, 'match=urn:a', auth));
    await waitForSubscribers(a.herald, 1);
    await waitForSubscribers(b.herald, 2);
    for (const hub of [a, b, c]) {
      await vi.waitFor(async () => expect(await gauge(hub, 'herald_cluster_subscribers')).toBe(3));
      expect(await gauge(hub, 'herald_cluster_nodes')).toBe(3);
    }
    expect(await gauge(c, 'herald_cluster_subscribers')).toBe(3);

    await a.close();
    expect(await gauge(c, 'herald_cluster_nodes')).toBe(2);
    expect(await gauge(c, 'herald_cluster_subscribers')).toBe(2);
    for (const stream of streams) stream.close();
  });

  it('read NaN when the directory cannot be read (Redis down), and the scrape still answers', async () => {
    const directory = new LocalSubscriberDirectory();
    directory.stats = () => Promise.reject(new Error('Redis failed'));
    const text = await new HubMetrics({ directory }).registry.metrics();
    // prom-client writes `Nan`; Prometheus parses it as NaN whatever its case.
    expect(text).toMatch(/^herald_cluster_nodes NaN$/im);
    expect(text).toMatch(/^herald_cluster_subscribers NaN$/im);
    expect(text).toMatch(/^# HELP herald_cluster_subscribers Open subscribers of all the processes/m);
  });

  it('count this process alone on a store without a shared directory', async () => {
    const herald = await createHub({
      store: await openStore('memory'),
      jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE, issuer: ISSUER },
    });
    const hub = await serveHub(herald);
    hubs.push(hub);
    const stream = await subscribe(hub.url, 'match=urn:a', {
      authorization: `Bearer ${await draftToken(['subscribe'], [{ match: 'urn:a' }])}`,
    });
    await waitForSubscribers(herald, 1);
    expect(await gauge(hub, 'herald_cluster_nodes')).toBe(1);
    expect(await gauge(hub, 'herald_cluster_subscribers')).toBe(1);
    stream.close();
  });
});

/**
 * A Redis outage seen over HTTP. The hub runs on a redis-server of its own, started here on a free
 * port with the append-only file fsynced on every write (`appendfsync always`) in a temporary
 * directory, so a restart keeps every acknowledged event. Redis is killed (SIGKILL) and started
 * again on the same port and files while a subscriber stays connected.
 *
 * Absence is proven with fences (an event published last and waited for: once it arrived, anything
 * the hub was going to send before it has arrived too), never with a sleep; waiting for readiness
 * is a bounded loop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub } from '../../src/http/index.js';
import { openStore } from '../../src/store/open.js';
import { serveHub } from '../support/listen.js';
import { freePort, RedisServer } from '../support/redis-server.js';
import {
  legacyToken,
  publish,
  SECRET,
  type StreamReader,
  subscribe,
  type TestHub,
  waitForSubscribers,
} from './helpers.js';

const TOPIC = 'https://example.com/outage';

/** Polls `GET /readyz` until it answers `status`, at most `attempts` times, 50 ms apart. */
async function waitForReadiness(url: string, status: number, attempts = 200): Promise<Response> {
  let last: Response | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await fetch(`${url}/readyz`);
    if (last.status === status) return last;
    await last.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`/readyz still answers ${last?.status}, not ${status}`);
}

describe('a hub whose Redis goes down and comes back', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startRedis(): Promise<RedisServer> {
    const dir = mkdtempSync(join(tmpdir(), 'herald-redis-outage-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const redis = new RedisServer({ port: await freePort(), dir, readyTimeoutMs: 10_000 });
    cleanups.push(() => redis.kill());
    await redis.start();
    return redis;
  }

  async function startHub(redis: RedisServer): Promise<TestHub> {
    const herald = await createHub({
      store: await openStore(redis.url),
      jwt: { key: { type: 'hmac', secret: SECRET } },
      allowAnonymous: true,
    });
    const hub = await serveHub(herald);
    cleanups.push(() => hub.close());
    return hub;
  }

  async function publishData(url: string, token: string, data: string): Promise<Response> {
    return publish(url, token, [
      ['topic', TOPIC],
      ['data', data],
    ]);
  }

  /** Publishes `data`, expecting 200; returns the event's id. */
  async function publishOk(url: string, token: string, data: string): Promise<string> {
    const response = await publishData(url, token, data);
    expect(response.status).toBe(200);
    return response.text();
  }

  const dataOf = (stream: StreamReader) => stream.events.map((event) => event.data);

  it('refuses publications with 503 and reports not ready while Redis is down, keeps the subscriber connected, and after the restart delivers once, with no gap on replay', async () => {
    const redis = await startRedis();
    // `hub` serves the subscriber; `other` stands for a second hub process on the same Redis.
    const hub = await startHub(redis);
    const other = await startHub(redis);
    const token = await legacyToken({ publish: ['*'] });
    const live = await subscribe(hub.url, `topic=${encodeURIComponent(TOPIC)}`);
    cleanups.push(() => live.close());
    await waitForSubscribers(hub.herald, 1);
    expect((await waitForReadiness(hub.url, 200)).status).toBe(200);
    const beforeId = await publishOk(hub.url, token, 'before');
    await live.waitFor(1);

    await redis.kill();
    const notReady = await waitForReadiness(hub.url, 503);
    expect(notReady.headers.get('retry-after')).toBe('1');
    expect(await notReady.json()).toMatchObject({ status: 'not-ready', reason: 'store-unavailable' });
    for (const data of ['during-1', 'during-2', 'during-3']) {
      const refused = await publishData(hub.url, token, data);
      // Never a 200 for an event that was not stored.
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.text()).not.toMatch(/^urn:uuid:/);
    }
    // Liveness is not readiness: the process is fine and recovers by itself.
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    // The open stream stays open through the outage (below, it receives what follows on the same
    // connection; a stream that had ended would make `waitFor` reject).
    expect(hub.herald.hub.subscribers.size).toBe(1);

    await redis.start();
    expect(await (await waitForReadiness(hub.url, 200)).json()).toEqual({ status: 'ready' });
    await waitForReadiness(other.url, 200);
    // One through the subscriber's own hub, one through the other: that one reaches the subscriber
    // only through the broker's tail of the stream, reconnected after the restart.
    const afterIds = [
      await publishOk(hub.url, token, 'after-1'),
      await publishOk(other.url, token, 'after-2'),
    ];
    const fenceId = await publishOk(hub.url, token, 'fence');
    await live.waitFor(4, 10_000);
    // The fence came last: nothing refused was delivered, nothing was delivered twice.
    expect(dataOf(live)).toEqual(['before', 'after-1', 'after-2', 'fence']);
    expect(live.events.map((event) => event.id)).toEqual([beforeId, ...afterIds, fenceId]);

    // A client that was cut off during the outage resumes from the last event it had.
    const resumed = await subscribe(hub.url, `topic=${encodeURIComponent(TOPIC)}`, {
      'last-event-id': beforeId,
    });
    cleanups.push(() => resumed.close());
    await resumed.waitFor(3);
    const secondFenceId = await publishOk(hub.url, token, 'fence-2');
    await resumed.waitFor(4);
    expect(resumed.events.map((event) => event.id)).toEqual([...afterIds, fenceId, secondFenceId]);
    await live.waitFor(5);
    expect(dataOf(live)).toEqual(['before', 'after-1', 'after-2', 'fence', 'fence-2']);
  });
});

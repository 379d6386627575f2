/**
 * Two hubs on one Redis, as two processes behind a load balancer: a subscriber connected to one
 * receives what is published through the other, live and on reconnection (Last-Event-ID).
 * Needs the Redis of the store tests (see test/store/redis.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createHub } from '../../src/http/index.js';
import { openStore } from '../../src/store/open.js';
import { serveHub } from '../support/listen.js';
import {
  ISSUER,
  legacyToken,
  publish,
  RESOURCE,
  SECRET,
  subscribe,
  type TestHub,
  waitForSubscribers,
} from './helpers.js';

const REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/14';
const KEY_PREFIX = `herald-test:${randomUUID()}:`;
const TOPIC = 'https://example.com/books/1';

const hubs: TestHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});
afterAll(async () => {
  const admin = createClient({ url: REDIS_URL });
  await admin.connect();
  for await (const keys of admin.scanIterator({ MATCH: `${KEY_PREFIX}*`, COUNT: 1000 })) {
    if (keys.length > 0) await admin.del(keys);
  }
  await admin.close();
});

async function startRedisHub(): Promise<TestHub> {
  const herald = await createHub({
    store: await openStore(REDIS_URL, { redisKeyPrefix: KEY_PREFIX }),
    jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE, issuer: ISSUER },
    allowAnonymous: true,
  });
  const hub = await serveHub(herald);
  hubs.push(hub);
  return hub;
}

describe('two hubs on one Redis', () => {
  it('delivers to a subscriber of one hub what is published through the other, and replays it after a reconnection there', async () => {
    const [first, second] = [await startRedisHub(), await startRedisHub()];
    const token = await legacyToken({ publish: ['*'] });
    const stream = await subscribe(second.url, `topic=${encodeURIComponent(TOPIC)}`);
    await waitForSubscribers(second.herald, 1);

    const published: string[] = [];
    for (const data of ['one', 'two', 'three']) {
      const response = await publish((data === 'two' ? second : first).url, token, [
        ['topic', TOPIC],
        ['data', data],
      ]);
      expect(response.status).toBe(200);
      published.push(await response.text());
    }
    const events = await stream.waitFor(3);
    expect(events.map((event) => [event.id, event.data])).toEqual([
      [published[0], 'one'],
      [published[1], 'two'],
      [published[2], 'three'],
    ]);
    stream.close();

    const replay = await subscribe(first.url, `topic=${encodeURIComponent(TOPIC)}`, {
      'last-event-id': published[0]!,
    });
    expect((await replay.waitFor(2)).map((event) => event.data)).toEqual(['two', 'three']);
    replay.close();
  });
});

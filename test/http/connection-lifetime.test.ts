import { describe, expect, it } from 'vitest';
import { connectionLifetimeDelayMs } from '../../src/transports/sse.js';
import { FakeTime } from '../support/fake-time.js';
import { hubPerTest, legacyToken, publish, subscribe, waitForSubscribers } from './helpers.js';

const TOPIC = 'https://example.com/books/1';
const LIFETIME_MS = 60_000;

describe('connectionLifetimeDelayMs', () => {
  it('adds a jitter of at most 10%, and is off by default', () => {
    const base = { heartbeatMs: 0, maxQueueBytes: 1024, shutdownRetryMs: 1000 };
    expect(connectionLifetimeDelayMs(base)).toBeUndefined();
    expect(connectionLifetimeDelayMs({ ...base, maxConnectionLifetimeMs: 0 })).toBeUndefined();
    const at = (random: number) =>
      connectionLifetimeDelayMs({ ...base, maxConnectionLifetimeMs: LIFETIME_MS, random: () => random });
    expect(at(0)).toBe(LIFETIME_MS);
    expect(at(0.5)).toBe(63_000);
    expect(at(0.999_999)).toBeLessThanOrEqual(66_000);
  });
});

describe('--max-connection-lifetime', () => {
  const start = hubPerTest('memory');

  it('ends a stream after its lifetime with a retry hint; the client resumes with no gap', async () => {
    const time = new FakeTime(Date.now());
    const hub = await start({
      allowAnonymous: true,
      timers: time,
      pruneIntervalMs: 0,
      heartbeatMs: 0,
      shutdownRetryMs: 250,
      maxConnectionLifetimeMs: LIFETIME_MS,
    });
    const token = await legacyToken({ publish: ['*'] });
    const first = await subscribe(hub.url, `topic=${encodeURIComponent(TOPIC)}`);
    await waitForSubscribers(hub.herald, 1);
    expect(
      (
        await publish(hub.url, token, [
          ['topic', TOPIC],
          ['data', 'one'],
          ['id', 'urn:e:1'],
        ])
      ).status,
    ).toBe(200);
    await first.waitFor(1);

    // Not before the lifetime…
    await time.advanceBy(LIFETIME_MS - 1);
    expect(hub.herald.hub.subscribers.size).toBe(1);
    // …and no later than the lifetime plus 10%.
    await time.advanceBy(LIFETIME_MS / 10 + 1);
    await first.ended;
    expect(first.retries).toEqual([250]);
    expect(first.events.map((event) => event.id)).toEqual(['urn:e:1']);
    for (let i = 0; i < 200 && hub.herald.hub.subscribers.size > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(hub.herald.hub.subscribers.size).toBe(0);

    // Published while the client is away; then a fence once it is back.
    expect(
      (
        await publish(hub.url, token, [
          ['topic', TOPIC],
          ['data', 'two'],
          ['id', 'urn:e:2'],
        ])
      ).status,
    ).toBe(200);
    const second = await subscribe(hub.url, `topic=${encodeURIComponent(TOPIC)}`, {
      'last-event-id': 'urn:e:1',
    });
    await waitForSubscribers(hub.herald, 1);
    expect(
      (
        await publish(hub.url, token, [
          ['topic', TOPIC],
          ['data', 'fence'],
          ['id', 'urn:e:3'],
        ])
      ).status,
    ).toBe(200);
    const events = await second.waitFor(2);
    expect(events.map((event) => event.id)).toEqual(['urn:e:2', 'urn:e:3']);
    second.close();
  });
});

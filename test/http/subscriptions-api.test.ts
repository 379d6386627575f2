import { afterEach, describe, expect, it } from 'vitest';
import { draftToken, legacyToken, startHub, subscribe, type TestHub, waitForSubscribers } from './helpers.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

const SUBSCRIPTIONS = '/.well-known/mercure/subscriptions';
const NOW_MS = Date.UTC(2026, 10, 25, 9, 30, 15, 123);

async function subscriptions(h: TestHub, path = SUBSCRIPTIONS): Promise<Record<string, unknown>> {
  const token = await legacyToken({ subscribe: ['*'] });
  const res = await fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('subscriptions API (Herald extensions)', () => {
  it('gives each subscription its start as "herald:subscribedAt", RFC 3339 UTC with milliseconds, in the collection and the single document', async () => {
    hub = await startHub('memory', { subscriptionsApi: true, clock: { nowMs: () => NOW_MS } });
    const stream = await subscribe(hub.url, 'match=urn:a', {
      authorization: `Bearer ${await draftToken(['subscribe'], [{ match: 'urn:a' }], { sub: 'urn:sub:1' })}`,
    });
    await waitForSubscribers(hub.herald, 1);
    const all = await subscriptions(hub);
    const [doc] = all['subscriptions'] as Record<string, unknown>[];
    // draft-08: the hub's random id for the connection, not the token's sub.
    expect(doc).toMatchObject({
      subscriber: expect.stringMatching(/^urn:uuid:/),
      'herald:subscribedAt': '2026-11-25T09:30:15.123Z',
    });
    expect(doc?.['subscriber']).not.toBe('urn:sub:1');
    const one = await subscriptions(hub, doc?.['id'] as string);
    expect(one).toMatchObject({ type: 'subscription', 'herald:subscribedAt': '2026-11-25T09:30:15.123Z' });
    stream.close();
  });

  it('0.x: suffixes the id of a second connection presenting the same sub (#2), and frees it when that one closes', async () => {
    hub = await startHub('memory', { subscriptionsApi: true });
    const auth = { authorization: `Bearer ${await legacyToken({}, { sub: 'urn:sub:1' })}` };
    const first = await subscribe(hub.url, 'topic=urn:a', auth);
    await waitForSubscribers(hub.herald, 1);
    const second = await subscribe(hub.url, 'topic=urn:a', auth);
    await waitForSubscribers(hub.herald, 2);
    const ids = () => [...(hub?.herald.hub.subscribers ?? [])].map((s) => s.id).sort();
    expect(ids()).toEqual(['urn:sub:1', 'urn:sub:1#2']);
    second.close();
    for (let i = 0; i < 500 && hub.herald.hub.subscribers.size > 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const third = await subscribe(hub.url, 'topic=urn:a', auth);
    await waitForSubscribers(hub.herald, 2);
    expect(ids()).toEqual(['urn:sub:1', 'urn:sub:1#2']);
    first.close();
    third.close();
  });

  it('draft-08: the same sub on two connections gets two random ids, and a reconnection a new one (never reused)', async () => {
    hub = await startHub('memory', { subscriptionsApi: true });
    const auth = {
      authorization: `Bearer ${await draftToken(['subscribe'], [{ match: 'urn:a' }], { sub: 'urn:sub:1' })}`,
    };
    const first = await subscribe(hub.url, 'match=urn:a', auth);
    await waitForSubscribers(hub.herald, 1);
    const second = await subscribe(hub.url, 'match=urn:a', auth);
    await waitForSubscribers(hub.herald, 2);
    const ids = () => [...(hub?.herald.hub.subscribers ?? [])].map((s) => s.id);
    const before = ids();
    expect(new Set(before).size).toBe(2);
    for (const id of before) expect(id).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    second.close();
    for (let i = 0; i < 500 && hub.herald.hub.subscribers.size > 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const third = await subscribe(hub.url, 'match=urn:a', auth);
    await waitForSubscribers(hub.herald, 2);
    const after = ids();
    expect(new Set([...before, ...after]).size).toBe(3);
    first.close();
    third.close();
  });
});

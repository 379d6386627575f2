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
    expect(doc).toMatchObject({ subscriber: 'urn:sub:1', 'herald:subscribedAt': '2026-11-25T09:30:15.123Z' });
    const one = await subscriptions(hub, doc?.['id'] as string);
    expect(one).toMatchObject({ type: 'Subscription', 'herald:subscribedAt': '2026-11-25T09:30:15.123Z' });
    stream.close();
  });

  it('suffixes the id of a second connection presenting the same sub (#2), and frees it when that one closes', async () => {
    hub = await startHub('memory', { subscriptionsApi: true });
    const auth = {
      authorization: `Bearer ${await draftToken(['subscribe'], [{ match: 'urn:a' }], { sub: 'urn:sub:1' })}`,
    };
    const first = await subscribe(hub.url, 'match=urn:a', auth);
    await waitForSubscribers(hub.herald, 1);
    const second = await subscribe(hub.url, 'match=urn:a', auth);
    await waitForSubscribers(hub.herald, 2);
    const ids = () => [...(hub?.herald.hub.subscribers ?? [])].map((s) => s.id).sort();
    expect(ids()).toEqual(['urn:sub:1', 'urn:sub:1#2']);
    second.close();
    for (let i = 0; i < 500 && hub.herald.hub.subscribers.size > 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const third = await subscribe(hub.url, 'match=urn:a', auth);
    await waitForSubscribers(hub.herald, 2);
    expect(ids()).toEqual(['urn:sub:1', 'urn:sub:1#2']);
    first.close();
    third.close();
  });
});

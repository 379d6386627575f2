import { type IncomingMessage, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Timers } from '../../src/clock/index.js';
import {
  draftToken,
  hubPerTest,
  legacyToken,
  publish,
  STORE_KINDS,
  subscribe,
  waitForSubscribers,
} from './helpers.js';

/** Timers fired by hand: token expiry without waiting. */
function manualTimers(): Timers & { fireAll(): void } {
  const pending = new Map<number, () => void>();
  let next = 1;
  return {
    setTimeout(callback) {
      pending.set(next, callback);
      return next++;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
    fireAll() {
      const callbacks = [...pending.values()];
      pending.clear();
      for (const callback of callbacks) callback();
    },
  };
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

describe.each(STORE_KINDS)('subscription lifecycle (%s store)', (kind) => {
  const start = hubPerTest(kind);

  it('ends a subscription when its token expires', async () => {
    let nowMs = Date.now();
    const timers = manualTimers();
    const hub = await start({ clock: { nowMs: () => nowMs }, timers, pruneIntervalMs: 0 });
    const expSec = Math.floor(nowMs / 1000) + 60;
    const stream = await subscribe(hub.url, 'topic=a', {
      authorization: `Bearer ${await legacyToken({ subscribe: ['*'] }, { expSec })}`,
    });
    await waitForSubscribers(hub.herald, 1);
    nowMs = expSec * 1000 + 1;
    timers.fireAll();
    await stream.ended;
    expect(hub.herald.hub.subscribers.size).toBe(0);
  });

  it('disconnects a subscriber that does not read, and counts the overflow', async () => {
    const hub = await start({ allowAnonymous: true, maxQueueBytes: 64 * 1024 });
    const { port } = new URL(hub.url);
    let reader: IncomingMessage | undefined;
    const closed = new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/.well-known/mercure?topic=slow' }, (res) => {
        reader = res;
        res.pause(); // reads nothing while the hub's queue fills
        res.once('close', () => resolve());
        res.once('error', () => resolve());
      });
      req.once('error', () => resolve());
      req.end();
    });
    await waitForSubscribers(hub.herald, 1);
    // Each event fits the queue alone (a larger one is refused at publish); a few overflow it.
    const data = 'x'.repeat(60 * 1024);
    // In batches, so a durable store commits each batch at once (group commit): the socket's
    // buffers in the kernel take megabytes before the hub's queue grows.
    for (let i = 0; i < 200 && hub.herald.hub.subscribers.size > 0; i++) {
      await Promise.all(Array.from({ length: 20 }, () => hub.herald.publish({ topics: ['slow'], data })));
    }
    expect(hub.herald.hub.subscribers.size).toBe(0);
    // The hub closed the connection; a paused reader sees the end only behind the bytes it left
    // unread, so it drains them now.
    reader?.resume();
    await closed;
    expect(await hub.herald.metrics.registry.getSingleMetricAsString('herald_queue_overflows_total')).toMatch(
      /transport="sse"} 1/,
    );
  });

  it('publishes subscription events and serves the subscriptions API in both shapes', async () => {
    const hub = await start({ subscriptionsApi: true });
    const watcherToken = await legacyToken({ subscribe: ['*'] });
    const watcher = await subscribe(
      hub.url,
      `topic=${encodeURIComponent('/.well-known/mercure/subscriptions/{topic}/{sub}')}`,
      {
        authorization: `Bearer ${watcherToken}`,
      },
    );
    await waitForSubscribers(hub.herald, 1);
    const legacy = await subscribe(hub.url, 'topic=https://e/a', {
      authorization: `Bearer ${await legacyToken({ subscribe: ['x'], payload: { p: 1 } }, { sub: 'alice' })}`,
    });
    const draft = await subscribe(hub.url, 'match=https://e/b', {
      authorization: `Bearer ${await draftToken(['subscribe'], [{ match: '*' }], { sub: 'bob' })}`,
    });
    await waitForSubscribers(hub.herald, 3);
    const docsOf = () => watcher.events.map((e) => JSON.parse(e.data) as Record<string, unknown>);
    await waitUntil(() => docsOf().some((d) => d['subscriber'] === 'alice'));
    expect(docsOf().find((d) => d['subscriber'] === 'alice')).toMatchObject({
      type: 'Subscription',
      topic: 'https://e/a',
      subscriber: 'alice',
      active: true,
      payload: { p: 1 },
    });
    const res = await fetch(`${hub.url}/.well-known/mercure/subscriptions`, {
      headers: { authorization: `Bearer ${watcherToken}` },
    });
    expect(res.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    const doc = await res.json();
    expect(doc).toMatchObject({ '@context': 'https://mercure.rocks/', type: 'Subscriptions' });
    const ids: string[] = doc.subscriptions.map((s: { id: string }) => s.id);
    expect(ids).toContain('/.well-known/mercure/subscriptions/https%3A%2F%2Fe%2Fa/alice');
    // draft-08: `{match_type}` in lower case, and the hub's random id for the connection (not `sub`).
    const draftPrefix = '/.well-known/mercure/subscriptions/exact/https%3A%2F%2Fe%2Fb/';
    const draftId = ids.find((id) => id.startsWith(draftPrefix)) ?? '';
    const bobId = decodeURIComponent(draftId.slice(draftPrefix.length));
    expect(bobId).toMatch(/^urn:uuid:/);
    const one = await fetch(`${hub.url}${draftId}`, {
      headers: { authorization: `Bearer ${watcherToken}` },
    });
    expect(await one.json()).toMatchObject({
      type: 'subscription',
      match_type: 'exact',
      match: 'https://e/b',
      subscriber: bobId,
    });
    const forbidden = await fetch(`${hub.url}/.well-known/mercure/subscriptions`, {
      headers: { authorization: `Bearer ${await legacyToken({ subscribe: ['https://e/a'] })}` },
    });
    expect(forbidden.status).toBe(403);
    legacy.close();
    await legacy.ended;
    await waitUntil(() => docsOf().some((d) => d['subscriber'] === 'alice' && d['active'] === false));
    watcher.close();
    draft.close();
  });

  it('answers /readyz 200 while the store answers, and 503 with Retry-After and a reason once draining; /healthz names the pid', async () => {
    const hub = await start({ allowAnonymous: true });
    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect((await fetch(`${hub.url}/readyz`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${hub.url}/readyz`, { method: 'POST' })).status).toBe(405);
    expect(await (await fetch(`${hub.url}/healthz`)).json()).toMatchObject({
      status: 'ok',
      pid: process.pid,
    });

    hub.herald.stopAccepting();
    const draining = await fetch(`${hub.url}/readyz`);
    expect(draining.status).toBe(503);
    expect(draining.headers.get('retry-after')).toBe('1');
    expect(await draining.json()).toEqual({
      status: 'not-ready',
      reason: 'draining',
      message: 'the hub is shutting down',
    });
  });

  it('answers /healthz and /metrics with a transport label', async () => {
    const hub = await start({ allowAnonymous: true });
    const stream = await subscribe(hub.url, 'topic=m');
    await waitForSubscribers(hub.herald, 1);
    await publish(hub.url, await legacyToken({ publish: ['*'] }), [['topic', 'm']]);
    await stream.waitFor(1);
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    expect(metrics).toMatch(/herald_connections\{transport="sse"} 1/);
    expect(metrics).toMatch(/herald_published_events_total 1/);
    expect(metrics).toMatch(/herald_delivered_events_total\{transport="sse"} 1/);
    stream.close();
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSource, type LockManagerLike, SharedEventSource } from '../../src/client/index.js';
import { FakeLocks } from './fake-locks.js';
import { RealHub } from './real-hub.js';
import { startServer, waitFor } from './support.js';

let hub: RealHub;
const sources: SharedEventSource[] = [];
beforeEach(async () => {
  hub = await RealHub.start();
});
afterEach(async () => {
  for (const source of sources.splice(0)) source.close();
  await hub.close();
});

function openTab(locks: LockManagerLike, name: string): { source: SharedEventSource; received: string[] } {
  const source = new SharedEventSource(hub.url, { locks, name, headers: hub.subscriberHeaders });
  sources.push(source);
  const received: string[] = [];
  source.onmessage = (event) => received.push((event as MessageEvent).lastEventId);
  return { source, received };
}

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `e${from + i}`);

describe('SharedEventSource (Web Locks + BroadcastChannel, faked locks in Node)', () => {
  it('runs one connection for all tabs and delivers every event to each', async () => {
    const locks = new FakeLocks();
    const tabs = [0, 1, 2].map(() => openTab(locks, 'shared-1'));
    await waitFor(() => tabs.every((tab) => tab.source.readyState === EventSource.OPEN), 'all tabs open');
    for (let i = 0; i < 20; i++) await hub.publish(`m${i}`);
    await waitFor(() => tabs.every((tab) => tab.received.length === 20), 'every tab to get 20 events');
    expect(hub.subscriptions.filter((request) => request.transport === 'sse')).toHaveLength(1);
    expect(tabs.map((tab) => tab.source.isLeader)).toEqual([true, false, false]);
    for (const tab of tabs) expect(tab.received).toEqual(ids(1, 20));
  });

  it('hands over to the next tab when the leader closes: nothing lost, nothing doubled', async () => {
    const locks = new FakeLocks();
    const tabs = [0, 1, 2].map(() => openTab(locks, 'shared-2'));
    await waitFor(() => tabs[0]!.source.readyState === EventSource.OPEN, 'the leader to open');
    let published = 0;
    const publishSome = async (count: number) => {
      for (let i = 0; i < count; i++) await hub.publish(`m${++published}`);
    };
    await publishSome(30);
    tabs[0]!.source.close(); // the leader's tab goes away in the middle of the stream
    await publishSome(30);
    await waitFor(() => tabs[1]!.source.isLeader, 'the second tab to take over');
    await publishSome(30);
    await waitFor(() => tabs.slice(1).every((tab) => tab.received.length >= 90), 'the survivors to get 90');
    // A fence: a doubled event would arrive before the next one published, so once that one is in,
    // everything before it is too.
    const fence = await hub.publish('fence');
    await waitFor(() => tabs.slice(1).every((tab) => tab.received.includes(fence)), 'the fence event');
    for (const tab of tabs.slice(1)) expect(tab.received).toEqual([...ids(1, 90), fence]);
    // The new leader resumed from its cursor rather than from the start.
    const resumed = hub.subscriptions.filter((request) => request.transport === 'sse');
    expect(resumed).toHaveLength(2);
    expect(resumed[1]!.cursor).not.toBe('');
  });

  it('falls back to a plain connection without Web Locks (Node)', async () => {
    await hub.publish('only');
    const source = new SharedEventSource(hub.url, {
      headers: hub.subscriberHeaders,
      lastEventId: 'earliest',
    });
    sources.push(source);
    const received: string[] = [];
    source.onmessage = (event) => received.push((event as MessageEvent).data);
    await waitFor(() => received.length === 1, 'one event');
    expect(source.isLeader).toBe(true);
    expect(received).toEqual(['only']);
  });

  it('fails every tab when the leader fails the connection', async () => {
    // Not the hub: a server that answers an event-stream request with 204 (WHATWG: fail, no retry).
    const server = await startServer((_request, response) => response.writeHead(204).end());
    try {
      const locks = new FakeLocks();
      const tabs = [0, 1].map(() => {
        const source = new SharedEventSource(`${server.url}/`, { locks, name: 'shared-3' });
        sources.push(source);
        return source;
      });
      await waitFor(() => tabs.every((tab) => tab.readyState === EventSource.CLOSED), 'both tabs closed');
      expect(tabs.map((tab) => tab.readyState)).toEqual([EventSource.CLOSED, EventSource.CLOSED]);
    } finally {
      await server.close();
    }
  });
});

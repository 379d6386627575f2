import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSource } from '../../src/client/index.js';
import { startBufferingProxy, startPortalProxy } from './proxies.js';
import { RealHub } from './real-hub.js';
import { ManualTimers, nextEvent, type TestServer, waitFor } from './support.js';

let hub: RealHub;
let proxy: TestServer | undefined;
beforeEach(async () => {
  hub = await RealHub.start();
  proxy = undefined;
});
afterEach(async () => {
  // The proxy first: its clients' connections go, and it drops its requests to the hub with them.
  await proxy?.close();
  await hub.close();
});

/** The hub's subscription URL, reached through `proxy`. */
const through = (proxy: TestServer) => {
  const { pathname, search } = new URL(hub.url);
  return `${proxy.url}${pathname}${search}`;
};

function collectData(source: EventSource): string[] {
  const received: string[] = [];
  source.onmessage = (event) =>
    received.push(`${(event as MessageEvent).data}@${(event as MessageEvent).lastEventId}`);
  return received;
}

describe("transport 'auto'", () => {
  it('falls back to long polling behind a proxy that buffers the event stream, keeping the cursor', async () => {
    proxy = await startBufferingProxy(hub.origin);
    await hub.publish('one');
    await hub.publish('two');
    const timers = new ManualTimers();
    const source = new EventSource(through(proxy), {
      transport: 'auto',
      headers: hub.subscriberHeaders,
      timers,
      lastEventId: 'e1',
      longPollTimeoutMs: 50,
    });
    const received = collectData(source);
    let errors = 0;
    source.onerror = () => errors++;
    await waitFor(() => hub.subscriptions.length === 1, 'the SSE request to reach the hub');
    expect(source.transport).toBe('sse');
    expect(timers.delays()).toEqual([5000]);
    timers.fire(5000);
    await nextEvent(source, 'open');
    expect(source.transport).toBe('long-poll');
    await hub.publish('three');
    await waitFor(() => received.length === 2, 'two events');
    source.close();
    expect(received).toEqual(['two@e2', 'three@e3']);
    expect(errors).toBe(0);
    expect(hub.subscriptions[0]).toEqual({ transport: 'sse', cursor: 'e1' });
    expect(hub.subscriptions[1]).toEqual({ transport: 'long-poll', cursor: 'e1' });
  });

  it('falls back when the event-stream request gets a 200 that is not an event stream', async () => {
    proxy = await startPortalProxy(hub.origin);
    await hub.publish('one');
    const source = new EventSource(through(proxy), {
      transport: 'auto',
      headers: hub.subscriberHeaders,
      lastEventId: 'earliest',
      timers: new ManualTimers(),
      longPollTimeoutMs: 50,
    });
    const received = collectData(source);
    await waitFor(() => received.length === 1, 'one event');
    source.close();
    expect(source.transport).toBe('long-poll');
    expect(received).toEqual(['one@e1']);
    // The portal answered the event stream itself: only polls reached the hub.
    expect(hub.subscriptions.map((request) => request.transport)).toContain('long-poll');
    expect(hub.subscriptions.every((request) => request.transport === 'long-poll')).toBe(true);
  });

  it('stays on SSE when the stream delivers its first byte, and the same events arrive', async () => {
    await hub.publish('one');
    const timers = new ManualTimers();
    const source = new EventSource(hub.url, {
      transport: 'auto',
      headers: hub.subscriberHeaders,
      lastEventId: 'earliest',
      timers,
    });
    const received = collectData(source);
    await waitFor(() => received.length === 1, 'one event');
    expect(timers.pending).toEqual([]);
    await hub.publish('two');
    await waitFor(() => received.length === 2, 'two events');
    source.close();
    expect(source.transport).toBe('sse');
    expect(received).toEqual(['one@e1', 'two@e2']);
  });

  it('falls back when the event-stream request fails before any byte (blocked), with no error event', async () => {
    await hub.publish('one');
    const seen: string[] = [];
    // A network that blocks event streams: their requests fail; polls reach the hub.
    const blockingFetch: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      seen.push(url.searchParams.get('transport') ?? 'sse');
      if (!url.searchParams.has('transport')) throw new TypeError('connection reset');
      return fetch(input, init);
    };
    const source = new EventSource(hub.url, {
      transport: 'auto',
      headers: hub.subscriberHeaders,
      lastEventId: 'earliest',
      fetch: blockingFetch,
      timers: new ManualTimers(),
    });
    let errors = 0;
    source.onerror = () => errors++;
    const received = collectData(source);
    await waitFor(() => received.length === 1, 'one event');
    // The next long poll, which the hub holds (no event comes): the count cannot move past it.
    await waitFor(() => seen.length === 3, 'the next long poll');
    source.close();
    expect(seen).toEqual(['sse', 'long-poll', 'long-poll']);
    expect(received).toEqual(['one@e1']);
    expect(errors).toBe(0);
  });

  it('does not fall back once SSE has delivered a byte: a later network error reconnects SSE', async () => {
    const transports: string[] = [];
    // A stream that delivers a comment and ends, then a network that is down.
    const failingFetch: typeof fetch = async (input) => {
      transports.push(new URL(String(input)).searchParams.get('transport') ?? 'sse');
      if (transports.length > 1) throw new TypeError('network down');
      return new Response(': hi\n\n', { headers: { 'content-type': 'text/event-stream' } });
    };
    const timers = new ManualTimers();
    const source = new EventSource('http://hub.test/', {
      transport: 'auto',
      fetch: failingFetch,
      timers,
      random: () => 0,
    });
    await nextEvent(source, 'error'); // end of stream
    timers.fire(3000);
    await nextEvent(source, 'error'); // network error: reconnects, still SSE
    source.close();
    expect(transports).toEqual(['sse', 'sse']);
    expect(source.transport).toBe('sse');
  });
});

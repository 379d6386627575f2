import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSource } from '../../src/client/index.js';
import { FakeHub } from './fake-hub.js';
import { ManualTimers, nextEvent, startServer, type TestServer, waitFor } from './support.js';

let hub: FakeHub;
let proxy: TestServer | undefined;
beforeEach(async () => {
  hub = new FakeHub();
  await hub.start();
});
afterEach(async () => {
  await proxy?.close();
  await hub.close();
});

/**
 * A proxy that buffers: it forwards each request and sends nothing back (not even the head) until
 * the upstream response has ended. An event stream never ends, so nothing of it ever arrives.
 */
function startBufferingProxy(upstream: string): Promise<TestServer> {
  return startServer((request, response) => {
    const target = new URL(request.url ?? '/', upstream);
    const forwarded = httpRequest(
      target,
      // A socket of its own per request (no keep-alive pool to outlive the test), and its resets
      // are expected: the test cuts streams on purpose.
      { method: request.method, headers: request.headers, agent: false },
      (upstreamResponse) => {
        const chunks: Buffer[] = [];
        // Destroying the forwarded request (the client went away) resets this response: no
        // listener would make that an uncaught error.
        upstreamResponse.on('error', () => response.destroy());
        upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstreamResponse.on('end', () => {
          response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          response.end(Buffer.concat(chunks));
        });
      },
    );
    forwarded.on('error', () => response.destroy());
    forwarded.on('socket', (socket) => socket.on('error', () => response.destroy()));
    response.on('close', () => forwarded.destroy());
    forwarded.end();
  });
}

function collectData(source: EventSource): string[] {
  const received: string[] = [];
  source.onmessage = (event) =>
    received.push(`${(event as MessageEvent).data}@${(event as MessageEvent).lastEventId}`);
  return received;
}

describe("transport 'auto'", () => {
  it('falls back to long polling behind a proxy that buffers the event stream, keeping the cursor', async () => {
    proxy = await startBufferingProxy(new URL(hub.url).origin);
    const hubPath = new URL(hub.url);
    hub.publish('one');
    hub.publish('two');
    const timers = new ManualTimers();
    const source = new EventSource(`${proxy.url}${hubPath.pathname}${hubPath.search}`, {
      transport: 'auto',
      timers,
      lastEventId: 'e1',
      longPollTimeoutMs: 50,
    });
    const received = collectData(source);
    let errors = 0;
    source.onerror = () => errors++;
    await waitFor(() => hub.requests.length === 1, 'the SSE request to reach the hub');
    expect(source.transport).toBe('sse');
    expect(timers.delays()).toEqual([5000]);
    timers.fire(5000);
    await nextEvent(source, 'open');
    expect(source.transport).toBe('long-poll');
    hub.publish('three');
    await waitFor(() => received.length === 2, 'two events');
    source.close();
    expect(received).toEqual(['two@e2', 'three@e3']);
    expect(errors).toBe(0);
    expect(hub.requests[0]).toEqual({ transport: 'sse', cursor: 'e1' });
    expect(hub.requests[1]).toEqual({ transport: 'long-poll', cursor: 'e1' });
  });

  it('falls back when the event-stream request gets a 200 that is not an event stream', async () => {
    const hubUrl = new URL(hub.url);
    // A captive portal or firewall answering the stream with a page; polling gets through.
    proxy = await startServer((request, response) => {
      if (!request.url?.includes('transport='))
        return void response.writeHead(200, { 'content-type': 'text/html' }).end('<p>blocked</p>');
      const forwarded = httpRequest(
        new URL(request.url, hubUrl.origin),
        { headers: request.headers },
        (upstream) => {
          response.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(response);
        },
      );
      forwarded.end();
    });
    hub.publish('one');
    const source = new EventSource(`${proxy.url}${hubUrl.pathname}${hubUrl.search}`, {
      transport: 'auto',
      timers: new ManualTimers(),
      longPollTimeoutMs: 50,
    });
    const received = collectData(source);
    await waitFor(() => received.length === 1, 'one event');
    source.close();
    expect(source.transport).toBe('long-poll');
    expect(received).toEqual(['one@e1']);
  });

  it('stays on SSE when the stream delivers its first byte, and the same events arrive', async () => {
    hub.publish('one');
    const timers = new ManualTimers();
    const source = new EventSource(hub.url, { transport: 'auto', timers });
    const received = collectData(source);
    await waitFor(() => received.length === 1, 'one event');
    expect(timers.pending).toEqual([]);
    hub.publish('two');
    await waitFor(() => received.length === 2, 'two events');
    source.close();
    expect(source.transport).toBe('sse');
    expect(received).toEqual(['one@e1', 'two@e2']);
  });

  it('falls back when the event-stream request fails before any byte (blocked), with no error event', async () => {
    const seen: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      const url = new URL(String(input));
      seen.push(url.searchParams.get('transport') ?? 'sse');
      if (!url.searchParams.has('transport')) throw new TypeError('connection reset');
      if (seen.length > 2) return new Promise<Response>(() => {});
      const body = {
        events: [{ id: 'e1', data: 'one', topics: ['t'], time: '' }],
        lastEventId: 'e1',
        serverTime: '',
      };
      return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
    };
    const source = new EventSource('http://hub.test/.well-known/mercure?topic=t', {
      transport: 'auto',
      fetch: fakeFetch,
      timers: new ManualTimers(),
    });
    let errors = 0;
    source.onerror = () => errors++;
    const received = collectData(source);
    await waitFor(() => received.length === 1, 'one event');
    source.close();
    expect(seen).toEqual(['sse', 'long-poll', 'long-poll']);
    expect(received).toEqual(['one@e1']);
    expect(errors).toBe(0);
  });

  it('does not fall back once SSE has delivered a byte: a later network error reconnects SSE', async () => {
    const transports: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      transports.push(new URL(String(input)).searchParams.get('transport') ?? 'sse');
      if (transports.length > 1) throw new TypeError('network down');
      return new Response(': hi\n\n', { headers: { 'content-type': 'text/event-stream' } });
    };
    const timers = new ManualTimers();
    const source = new EventSource('http://hub.test/', {
      transport: 'auto',
      fetch: fakeFetch,
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

import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFetchSseResponse, type SseStream, type StreamCloseReason } from '../../src/server/index.js';
import { EventStreamParser, encodeEvent, type ParsedEvent, SseError } from '../../src/sse/index.js';
import { nextTurn, openSse, waitFor } from './support.js';

/** Reads a Fetch body into parsed events until the test stops caring. */
function readEvents(body: ReadableStream<Uint8Array>) {
  const events: ParsedEvent[] = [];
  const parser = new EventStreamParser({ onEvent: (event) => events.push(event) });
  const reader = body.getReader();
  const done = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.feed(value);
    }
  })();
  return { events, reader, done };
}

describe('createFetchSseResponse', () => {
  it('returns an event-stream Response with no connection-specific headers', () => {
    const { response, stream } = createFetchSseResponse(new Request('http://localhost/events'), {
      headers: { Connection: 'keep-alive', 'X-Extra': 'yes' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toMatch(/no-transform/);
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('x-extra')).toBe('yes');
    expect(response.headers.get('connection')).toBeNull();
    expect(response.headers.get('transfer-encoding')).toBeNull();
    stream.close();
  });

  it('streams events through the body and ends it on close()', async () => {
    const { response, stream } = createFetchSseResponse(new Request('http://localhost/events'), {
      retryMs: 1000,
    });
    const { events, done } = readEvents(response.body!);
    stream.send({ id: '1', data: 'Grüße 🌍\nline 2' });
    stream.sendBytes(encodeEvent({ id: '2', event: 'two', data: 'b' }));
    stream.close();
    await done;
    expect(events).toEqual([
      { type: 'message', data: 'Grüße 🌍\nline 2', lastEventId: '1' },
      { type: 'two', data: 'b', lastEventId: '2' },
    ]);
    await expect(stream.closed).resolves.toBe('server-closed');
  });

  it('reads Last-Event-ID from the header, else from the query parameter', () => {
    const fromHeader = createFetchSseResponse(
      new Request('http://localhost/events?lastEventId=1', { headers: { 'Last-Event-ID': '2' } }),
    );
    const fromQuery = createFetchSseResponse(new Request('http://localhost/events?lastEventId=1'));
    const custom = createFetchSseResponse(new Request('http://localhost/events?since=9'), {
      lastEventIdParam: 'since',
    });
    expect(fromHeader.stream.lastEventId).toBe('2');
    expect(fromQuery.stream.lastEventId).toBe('1');
    expect(custom.stream.lastEventId).toBe('9');
    for (const { stream } of [fromHeader, fromQuery, custom]) stream.close();
  });

  it('throws SseError on invalid fields and keeps the body free of partial events', async () => {
    const { response, stream } = createFetchSseResponse(new Request('http://localhost/events'));
    expect(() => stream.send({ data: 'x', id: 'bad\0id' })).toThrow(SseError);
    stream.send({ data: 'fine' });
    stream.close();
    expect(await response.text()).toBe(':\ndata: fine\n\n');
  });

  it('reports client-closed when the body is cancelled', async () => {
    const { response, stream } = createFetchSseResponse(new Request('http://localhost/events'));
    await response.body!.cancel();
    await expect(stream.closed).resolves.toBe('client-closed');
  });

  it('reports client-closed when the request signal aborts', async () => {
    const controller = new AbortController();
    const { stream } = createFetchSseResponse(
      new Request('http://localhost/events', { signal: controller.signal }),
    );
    controller.abort();
    await expect(stream.closed).resolves.toBe('client-closed');
    expect(stream.signal.aborted).toBe(true);
  });

  it('overflows its bounded queue when nobody reads the body, and errors the body', async () => {
    const reasons: StreamCloseReason[] = [];
    const warn = vi.fn();
    const { response, stream } = createFetchSseResponse(new Request('http://localhost/events'), {
      maxQueueBytes: 64 * 1024,
      onClose: (reason) => reasons.push(reason),
      logger: { warn },
    });
    const bytes = encodeEvent({ data: 'z'.repeat(8 * 1024) });
    for (let round = 0; round < 100 && !stream.isClosed; round++) {
      stream.sendBytes(bytes);
      await nextTurn();
    }
    expect(reasons).toEqual(['queue-overflow']);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ reason: 'queue-overflow' }),
      expect.any(String),
    );
    await expect(response.text()).rejects.toThrow();
  });

  it('resumes delivery when a slow body reader catches up', async () => {
    const { response, stream } = createFetchSseResponse(new Request('http://localhost/events'));
    const payload = 'w'.repeat(8 * 1024);
    for (let i = 1; i <= 20; i++) {
      stream.send({ id: String(i), data: payload });
      await nextTurn();
    }
    const { events, done } = readEvents(response.body!);
    await waitFor(() => events.length === 20, '20 events');
    expect(events.map((event) => event.lastEventId)).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i + 1)),
    );
    stream.close();
    await done;
  });
});

describe('createFetchSseResponse under Hono on @hono/node-server', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    if (server !== undefined) await new Promise((resolve) => server!.close(resolve));
    server = undefined;
  });

  async function serveHono() {
    const streams: SseStream[] = [];
    const app = new Hono();
    app.get('/events', (c) => {
      const { response, stream } = createFetchSseResponse(c.req.raw);
      streams.push(stream);
      return response;
    });
    server = createAdaptorServer({ fetch: app.fetch }) as Server;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}/events`, streams };
  }

  it('sends headers before any event, then delivers events', async () => {
    const { url, streams } = await serveHono();
    const client = await openSse(`${url}?lastEventId=4`);
    expect(client.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.events).toHaveLength(0);
    expect(streams[0]!.lastEventId).toBe('4');
    streams[0]!.send({ id: '5', data: 'Grüße 🌍\nline 2' });
    const events = await client.waitForEvents(1);
    expect(events[0]).toEqual({ type: 'message', data: 'Grüße 🌍\nline 2', lastEventId: '5' });
    client.close();
  });

  it('sees the client go away', async () => {
    const { url, streams } = await serveHono();
    const client = await openSse(url);
    client.close();
    await expect(streams[0]!.closed).resolves.toBe('client-closed');
  });
});

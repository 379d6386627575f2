import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createNodeSseStream,
  type SseStream,
  SseStreamClosedError,
  type StreamCloseReason,
} from '../../src/server/index.js';
import { encodeEvent, SseError } from '../../src/sse/index.js';
import { nextTurn, openSse, startServer, type TestServer, waitFor } from './support.js';

let host: TestServer | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

/** Starts a server whose /events opens a stream with `options`, and hands each stream to the test. */
async function serveStreams(options: Parameters<typeof createNodeSseStream>[2] = {}) {
  const streams: SseStream[] = [];
  const responses: ServerResponse[] = [];
  host = await startServer((req, res) => {
    responses.push(res);
    streams.push(createNodeSseStream(req, res, options));
  });
  return { url: `${host.url}/events`, streams, responses };
}

describe('createNodeSseStream over HTTP/1.1', () => {
  it('sends event-stream headers without Transfer-Encoding overrides and flushes them before any event', async () => {
    const { url, streams } = await serveStreams();
    const client = await openSse(url);
    // The response (headers) arrived although the server has not sent a single event.
    expect(streams).toHaveLength(1);
    expect(client.events).toHaveLength(0);
    expect(client.response.statusCode).toBe(200);
    expect(client.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.response.headers['cache-control']).toMatch(/no-cache/);
    expect(client.response.headers['cache-control']).toMatch(/no-transform/);
    expect(client.response.headers['x-accel-buffering']).toBe('no');
    client.close();
  });

  it('delivers multi-line and non-ASCII data, ids and types intact', async () => {
    const { url, streams } = await serveStreams();
    const client = await openSse(url);
    streams[0]!.send({ data: 'Grüße 🌍\nline 2', id: '7', event: 'greeting' });
    streams[0]!.sendBytes(encodeEvent({ data: 'second' }));
    const events = await client.waitForEvents(2);
    expect(events[0]).toEqual({ type: 'greeting', data: 'Grüße 🌍\nline 2', lastEventId: '7' });
    expect(events[1]).toEqual({ type: 'message', data: 'second', lastEventId: '7' });
    client.close();
  });

  it('writes each flushed batch at once and leaves the socket uncorked, so nothing waits for a later tick', async () => {
    const { url, streams, responses } = await serveStreams();
    const client = await openSse(url);
    const socket = responses[0]!.socket!;
    const writes: number[] = [];
    const writev = socket._writev?.bind(socket);
    socket._writev = (chunks, callback) => {
      writes.push(chunks.length);
      writev!(chunks, callback);
    };
    // The body goes straight to the socket once the headers are out: one buffer, one `_write`.
    const write = socket._write.bind(socket);
    socket._write = (chunk, encoding, callback) => {
      writes.push(1);
      write(chunk, encoding, callback);
    };
    streams[0]!.send({ data: 'one' });
    streams[0]!.send({ data: 'two' });
    // What the shared batcher does at the end of the turn, called here to look right after it:
    // node:http alone would leave the socket corked until the next tick, the bytes unwritten.
    (streams[0] as unknown as { flush(): void }).flush();
    expect(socket.writableCorked).toBe(0);
    expect(writes).toHaveLength(1);
    const events = await client.waitForEvents(2);
    expect(events.map((event) => event.data)).toEqual(['one', 'two']);
    client.close();
  });

  it('sends the retry hint as the very first line', async () => {
    const { url, streams } = await serveStreams({ retryMs: 2500 });
    const client = await openSse(url);
    streams[0]!.send({ data: 'x' });
    await client.waitForEvents(1);
    expect(client.raw().startsWith('retry: 2500\n')).toBe(true);
    expect(client.retries).toEqual([2500]);
    client.close();
  });

  it('gathers everything sent in one turn into one write', async () => {
    const { url, streams, responses } = await serveStreams();
    const client = await openSse(url);
    const write = vi.spyOn(responses[0]!, 'write');
    for (let i = 0; i < 3; i++) streams[0]!.send({ data: String(i) });
    await client.waitForEvents(3);
    expect(write).toHaveBeenCalledTimes(1);
    client.close();
  });

  it('with flushDelayMs, gathers sends from several turns into one write', async () => {
    const { url, streams, responses } = await serveStreams({ flushDelayMs: 200 });
    const client = await openSse(url);
    const write = vi.spyOn(responses[0]!, 'write');
    for (let i = 0; i < 3; i++) {
      streams[0]!.send({ data: String(i) });
      await nextTurn();
    }
    await client.waitForEvents(3);
    expect(write).toHaveBeenCalledTimes(1);
    client.close();
  });

  it('passes shared bytes through without copying when one chunk is queued', async () => {
    const { url, streams, responses } = await serveStreams();
    const client = await openSse(url);
    const write = vi.spyOn(responses[0]!, 'write');
    const bytes = encodeEvent({ data: 'shared' });
    streams[0]!.sendBytes(bytes);
    await client.waitForEvents(1);
    expect(write.mock.calls[0]![0]).toBe(bytes);
    client.close();
  });

  it('disables Nagle on the socket', async () => {
    const setNoDelay = vi.fn();
    host = await startServer((req, res) => {
      const original = req.socket.setNoDelay.bind(req.socket);
      req.socket.setNoDelay = (noDelay?: boolean) => {
        setNoDelay(noDelay);
        return original(noDelay);
      };
      createNodeSseStream(req, res);
    });
    const client = await openSse(`${host.url}/events`);
    expect(setNoDelay).toHaveBeenCalledWith(true);
    client.close();
  });
});

describe('Last-Event-ID', () => {
  it('reads the Last-Event-ID header', async () => {
    const { url, streams } = await serveStreams();
    const client = await openSse(url, { 'last-event-id': 'abc-42' });
    expect(streams[0]!.lastEventId).toBe('abc-42');
    client.close();
  });

  it('falls back to the lastEventId query parameter on a first connection', async () => {
    const { url, streams } = await serveStreams();
    const client = await openSse(`${url}?topic=a&lastEventId=99`);
    expect(streams[0]!.lastEventId).toBe('99');
    client.close();
  });

  it('prefers the header over the query parameter', async () => {
    const { url, streams } = await serveStreams();
    const client = await openSse(`${url}?lastEventId=1`, { 'last-event-id': '2' });
    expect(streams[0]!.lastEventId).toBe('2');
    client.close();
  });

  it('reads a configured parameter name, and none when disabled', async () => {
    const named = await serveStreams({ lastEventIdParam: 'since' });
    const first = await openSse(`${named.url}?since=5&lastEventId=6`);
    expect(named.streams[0]!.lastEventId).toBe('5');
    first.close();
    await host?.close();
    const disabled = await serveStreams({ lastEventIdParam: false });
    const second = await openSse(`${disabled.url}?lastEventId=6`);
    expect(disabled.streams[0]!.lastEventId).toBeUndefined();
    second.close();
  });
});

describe('invalid input', () => {
  it('throws SseError and writes nothing of the rejected event', async () => {
    const { url, streams } = await serveStreams();
    const client = await openSse(url);
    const stream = streams[0]!;
    expect(() => stream.send({ data: 'ok', id: 'a\nb' })).toThrow(SseError);
    expect(() => stream.send({ data: 'ok', event: 'x\ry' })).toThrow(
      expect.objectContaining({ code: 'SSE_INVALID_EVENT' }),
    );
    expect(() => stream.send({ data: '\ud800' })).toThrow(
      expect.objectContaining({ code: 'SSE_LONE_SURROGATE' }),
    );
    expect(() => stream.comment('\udc00')).toThrow(SseError);
    stream.send({ data: 'after' });
    await client.waitForEvents(1);
    expect(client.raw()).toBe(':\ndata: after\n\n');
    client.close();
  });

  it('rejects an invalid retry hint before sending headers', async () => {
    const errors: unknown[] = [];
    host = await startServer((req, res) => {
      try {
        createNodeSseStream(req, res, { retryMs: -1 });
      } catch (error) {
        errors.push(error);
        res.writeHead(500).end();
      }
    });
    const client = await openSse(`${host.url}/events`);
    expect(client.response.statusCode).toBe(500);
    expect(errors[0]).toBeInstanceOf(SseError);
    expect(() => createNodeSseStream({} as never, {} as never, { heartbeatMs: Number.NaN })).toThrow(
      RangeError,
    );
  });
});

describe('closing', () => {
  it('close() writes what is queued, ends the response and reports server-closed', async () => {
    const reasons: StreamCloseReason[] = [];
    const { url, streams } = await serveStreams({ onClose: (reason) => reasons.push(reason) });
    const client = await openSse(url);
    const stream = streams[0]!;
    stream.send({ data: 'last words' });
    stream.close();
    stream.close();
    await once(client.response, 'end');
    expect(client.events.map((event) => event.data)).toEqual(['last words']);
    expect(reasons).toEqual(['server-closed']);
    expect(stream.isClosed).toBe(true);
    await expect(stream.closed).resolves.toBe('server-closed');
    expect(stream.signal.aborted).toBe(true);
  });

  it('a client going away resolves closed, aborts the signal and ignores later sends', async () => {
    const { url, streams } = await serveStreams();
    const client = await openSse(url);
    const stream = streams[0]!;
    const signal = stream.signal;
    const closed = stream.closed;
    client.close();
    await expect(closed).resolves.toBe('client-closed');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(SseStreamClosedError);
    expect((signal.reason as SseStreamClosedError).reason).toBe('client-closed');
    expect(() => stream.send({ data: 'into the void' })).not.toThrow();
  });

  it('reports a throwing onClose without leaving the stream half closed', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const { url, streams } = await serveStreams({
        onClose: () => {
          throw new Error('callback bug');
        },
      });
      const client = await openSse(url);
      streams[0]!.close();
      await once(client.response, 'end');
      expect(streams[0]!.isClosed).toBe(true);
      await waitFor(() => uncaught.length > 0, 'the callback error to surface');
      expect((uncaught[0] as Error).message).toBe('callback bug');
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});

describe('createNodeSseStream after the client left', () => {
  it('reports the close of a client that left while the handler awaited, after returning the stream', async () => {
    const closes: StreamCloseReason[] = [];
    let made: SseStream | undefined;
    let entered: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => {
      entered = resolve;
    });
    host = await startServer(async (req, res) => {
      const gone = once(res, 'close');
      entered();
      await gone; // the host awaits something (a store) while the client disconnects
      made = createNodeSseStream(req, res, {
        heartbeatMs: 0,
        onClose: (reason) => {
          expect(made).toBeDefined();
          closes.push(reason);
        },
      });
    });
    const socket = connect(Number(new URL(host.url).port), '127.0.0.1');
    socket.write('GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
    await inHandler;
    socket.destroy();
    await waitFor(() => closes.length === 1, 'the stream reports the close');
    expect(closes).toEqual(['client-closed']);
    expect(made?.isClosed).toBe(true);
  });
});

import type { ServerResponse } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeSseStream, type SseStream, type StreamCloseReason } from '../../src/server/index.js';
import { encodeEvent } from '../../src/sse/index.js';
import { ManualTimers, nextTurn, openSse, startServer, type TestServer, waitFor } from './support.js';

let host: TestServer | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function serveStreams(options: () => Parameters<typeof createNodeSseStream>[2]) {
  const streams: SseStream[] = [];
  const responses: ServerResponse[] = [];
  host = await startServer((req, res) => {
    responses.push(res);
    streams.push(createNodeSseStream(req, res, options()));
  });
  return { url: `${host.url}/events`, streams, responses };
}

describe('the stream queue (one chunk in a field, an array only for two or more)', () => {
  it('delivers one, two and many chunks queued in one turn, in order, and again after each flush', async () => {
    const { url, streams } = await serveStreams(() => ({ heartbeatMs: 0 }));
    const client = await openSse(url);
    const stream = streams[0]!;
    stream.send({ data: 'a' });
    await client.waitForEvents(1);
    stream.send({ data: 'b' });
    stream.send({ data: 'c' });
    expect(stream.queuedBytes).toBe(2 * encodeEvent({ data: 'b' }).byteLength);
    await client.waitForEvents(3);
    for (let i = 0; i < 50; i++) stream.send({ data: `m${i}` });
    await client.waitForEvents(53);
    stream.send({ data: 'last' });
    await client.waitForEvents(54);
    expect(client.events.map((event) => event.data)).toEqual([
      'a',
      'b',
      'c',
      ...Array.from({ length: 50 }, (_, i) => `m${i}`),
      'last',
    ]);
    expect(stream.queuedBytes).toBe(0);
  });

  it('still overflows at maxQueueBytes when the bytes arrive as several chunks in one turn', async () => {
    const reasons: StreamCloseReason[] = [];
    const event = encodeEvent({ data: 'x'.repeat(90) });
    const { url, streams } = await serveStreams(() => ({
      heartbeatMs: 0,
      maxQueueBytes: event.byteLength * 3,
      onClose: (reason) => reasons.push(reason),
    }));
    await openSse(url);
    const stream = streams[0]!;
    stream.sendBytes(event);
    stream.sendBytes(event);
    stream.sendBytes(event);
    expect(stream.isClosed).toBe(false);
    stream.sendBytes(event);
    expect(stream.isClosed).toBe(true);
    expect(reasons).toEqual(['queue-overflow']);
    expect(stream.queuedBytes).toBe(0);
  });

  it('writes every queued chunk before ending on close()', async () => {
    const { url, streams } = await serveStreams(() => ({ heartbeatMs: 0 }));
    const client = await openSse(url);
    const stream = streams[0]!;
    stream.send({ data: 'one' });
    stream.send({ data: 'two' });
    stream.close();
    await new Promise((resolve) => client.response.once('end', resolve));
    expect(client.events.map((event) => event.data)).toEqual(['one', 'two']);
  });

  it('still sends heartbeats, queued like any other chunk', async () => {
    const timers = new ManualTimers();
    const { url } = await serveStreams(() => ({ heartbeatMs: 1000, timers }));
    const client = await openSse(url);
    timers.advance(1000);
    await nextTurn();
    await waitFor(() => client.comments.includes(' heartbeat'), 'a heartbeat');
  });

  it('does not keep the options object (nor its headers) once the stream is open', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let optionsRef: WeakRef<object> | undefined;
    let headersRef: WeakRef<object> | undefined;
    const closed: StreamCloseReason[] = [];
    const { url, streams } = await serveStreams(() => {
      const headers = { 'x-extra': 'yes' };
      const options = {
        heartbeatMs: 5000,
        headers,
        onClose: (reason: StreamCloseReason) => closed.push(reason),
      };
      optionsRef = new WeakRef(options);
      headersRef = new WeakRef(headers);
      return options;
    });
    const client = await openSse(url);
    expect(client.response.headers['x-extra']).toBe('yes');
    await nextTurn();
    await waitFor(() => {
      gc();
      return optionsRef?.deref() === undefined && headersRef?.deref() === undefined;
    }, 'the options to be collected');
    // What the stream needs from them is still there: onClose fires.
    client.close();
    await waitFor(() => closed.length === 1, 'onClose');
    expect(closed).toEqual(['client-closed']);
    expect(streams[0]!.isClosed).toBe(true);
  });
});

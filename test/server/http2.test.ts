import { once } from 'node:events';
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  createServer,
  type Http2Server,
  type IncomingHttpHeaders,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeSseStream, type SseStream, type StreamCloseReason } from '../../src/server/index.js';
import { EventStreamParser, encodeEvent, type ParsedEvent } from '../../src/sse/index.js';
import { nextTurn, waitFor } from './support.js';

let server: Http2Server | undefined;
let session: ClientHttp2Session | undefined;
afterEach(async () => {
  session?.destroy();
  session = undefined;
  if (server !== undefined) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

/** An h2c (cleartext HTTP/2) server using the compatibility API: (req, res) handlers. */
async function serveHttp2(options: Parameters<typeof createNodeSseStream>[2] = {}) {
  const streams: SseStream[] = [];
  server = createServer((req, res) => {
    streams.push(createNodeSseStream(req, res, options));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  session = connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  return { session, streams };
}

async function request(client: ClientHttp2Session, path: string) {
  const stream: ClientHttp2Stream = client.request({ ':path': path });
  stream.on('error', () => {});
  const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders];
  const events: ParsedEvent[] = [];
  const parser = new EventStreamParser({ onEvent: (event) => events.push(event) });
  stream.on('data', (chunk: Buffer) => parser.feed(chunk));
  return { stream, headers, events };
}

describe('createNodeSseStream over node:http2 compatibility API', () => {
  it('sends no connection-specific headers, even when asked to', async () => {
    const { session: client } = await serveHttp2({
      headers: { Connection: 'keep-alive', 'Transfer-Encoding': 'chunked', 'X-Extra': 'yes' },
    });
    const { headers, stream } = await request(client, '/events');
    expect(headers[':status']).toBe(200);
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).toMatch(/no-transform/);
    expect(headers['x-accel-buffering']).toBe('no');
    expect(headers['x-extra']).toBe('yes');
    for (const name of ['connection', 'transfer-encoding', 'keep-alive', 'upgrade', 'proxy-connection']) {
      expect(headers[name]).toBeUndefined();
    }
    stream.close();
  });

  it('delivers events, reads Last-Event-ID, and sees the client reset the stream', async () => {
    const reasons: StreamCloseReason[] = [];
    const { session: client, streams } = await serveHttp2({ onClose: (reason) => reasons.push(reason) });
    const { stream, events } = await request(client, '/events?lastEventId=12');
    expect(streams[0]!.lastEventId).toBe('12');
    streams[0]!.send({ id: '13', data: 'Grüße 🌍\nline 2' });
    streams[0]!.send({ id: '14', event: 'second', data: 'two' });
    await waitFor(() => events.length === 2, 'two events');
    expect(events).toEqual([
      { type: 'message', data: 'Grüße 🌍\nline 2', lastEventId: '13' },
      { type: 'second', data: 'two', lastEventId: '14' },
    ]);
    stream.close();
    await expect(streams[0]!.closed).resolves.toBe('client-closed');
    expect(reasons).toEqual(['client-closed']);
  });

  it('ends the HTTP/2 stream on close()', async () => {
    const { session: client, streams } = await serveHttp2();
    const { stream, events } = await request(client, '/events');
    streams[0]!.send({ data: 'bye' });
    streams[0]!.close();
    await once(stream, 'end');
    expect(events.map((event) => event.data)).toEqual(['bye']);
    await expect(streams[0]!.closed).resolves.toBe('server-closed');
  });

  it('closes a stalled HTTP/2 reader with queue-overflow once flow control blocks writes', async () => {
    const reasons: StreamCloseReason[] = [];
    const { session: client, streams } = await serveHttp2({
      maxQueueBytes: 128 * 1024,
      onClose: (reason) => reasons.push(reason),
    });
    const { stream } = await request(client, '/events');
    stream.pause();
    const bytes = encodeEvent({ data: 'q'.repeat(16 * 1024) });
    for (let round = 0; round < 2000 && !streams[0]!.isClosed; round++) {
      streams[0]!.sendBytes(bytes);
      await nextTurn();
    }
    expect(reasons).toEqual(['queue-overflow']);
  });
});

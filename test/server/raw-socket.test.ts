import { once } from 'node:events';
import { Agent, get, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect as connectHttp2, createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chunkFrame } from '../../src/server/chunk-frame.js';
import { createNodeSseStream, type SseStream, type StreamCloseReason } from '../../src/server/index.js';
import { EventStreamParser, encodeEvent, type ParsedEvent } from '../../src/sse/index.js';
import { rawExchange } from '../support/raw-http.js';
import { ManualTimers, nextTurn, openSse, startServer, type TestServer, waitFor } from './support.js';

// Over HTTP/1.1 the stream writes the body straight to the socket once node:http has written the
// headers and the first bytes, framing each write as one chunk itself. These tests read that body
// with real HTTP clients and with a raw socket, and check what must not change with it.

let host: TestServer | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function serveStreams(options: Parameters<typeof createNodeSseStream>[2] = {}) {
  const opened: { stream: SseStream; res: ServerResponse }[] = [];
  host = await startServer((req, res) => {
    opened.push({ stream: createNodeSseStream(req, res, options), res });
  });
  return { url: `${host.url}/events`, opened };
}

/** The body of a chunked HTTP/1.1 response, checking each chunk's size line against its bytes. */
function parseChunked(body: string): { chunks: string[]; isComplete: boolean } {
  const chunks: string[] = [];
  let at = 0;
  while (at < body.length) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.slice(at, lineEnd), 16);
    expect(Number.isNaN(size)).toBe(false);
    if (size === 0) return { chunks, isComplete: body.slice(lineEnd + 2, lineEnd + 4) === '\r\n' };
    const start = lineEnd + 2;
    if (start + size + 2 > body.length) break;
    chunks.push(body.slice(start, start + size));
    expect(body.slice(start + size, start + size + 2)).toBe('\r\n');
    at = start + size + 2;
  }
  return { chunks, isComplete: false };
}

describe('chunkFrame', () => {
  it('frames bytes as one chunk: size in hex, CRLF, the bytes, CRLF', () => {
    const bytes = new TextEncoder().encode('data: é\n\n');
    expect(chunkFrame(bytes).toString('utf8')).toBe('a\r\ndata: é\n\n\r\n');
    const big = new Uint8Array(0x1234).fill(120);
    const frame = chunkFrame(big);
    expect(frame.subarray(0, 6).toString('latin1')).toBe('1234\r\n');
    expect(frame.length).toBe(6 + 0x1234 + 2);
    expect(frame.subarray(-2).toString('latin1')).toBe('\r\n');
  });

  it('returns the same Buffer for the same bytes, and a new one for other bytes', () => {
    const bytes = encodeEvent({ data: 'shared' });
    const first = chunkFrame(bytes);
    expect(chunkFrame(bytes)).toBe(first);
    const other = chunkFrame(encodeEvent({ data: 'shared' }));
    expect(other).not.toBe(first);
    expect(other.equals(first)).toBe(true);
  });
});

describe('the raw HTTP/1.1 body path', () => {
  it('writes each event as one well-formed chunk that a raw reader can check', async () => {
    const { url, opened } = await serveStreams({ heartbeatMs: 0 });
    const client = await rawExchange(Number(new URL(url).port), 'GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => opened.length === 1 && client.text().includes('\r\n\r\n'), 'the response head');
    const { stream } = opened[0]!;
    stream.send({ id: '1', data: 'Grüße 🌍' });
    await nextTurn();
    stream.send({ id: '2', data: 'y'.repeat(5000) });
    await waitFor(() => client.text().includes('y'.repeat(5000)), 'the second event');
    stream.close();
    await waitFor(() => client.text().endsWith('0\r\n\r\n'), 'the last chunk');
    const text = client.text();
    const headEnd = text.indexOf('\r\n\r\n');
    expect(text.slice(0, headEnd).toLowerCase()).toContain('transfer-encoding: chunked');
    const { chunks, isComplete } = parseChunked(text.slice(headEnd + 4));
    expect(isComplete).toBe(true);
    const decoded = chunks.map((chunk) => Buffer.from(chunk, 'latin1').toString('utf8'));
    expect(decoded).toEqual([':\n', 'id: 1\ndata: Grüße 🌍\n\n', `id: 2\ndata: ${'y'.repeat(5000)}\n\n`]);
    client.socket.destroy();
  });

  it('is read intact by node:http and by fetch', async () => {
    const { url, opened } = await serveStreams({ heartbeatMs: 0 });
    const viaNode = await openSse(url);
    const viaFetch = await fetch(url);
    expect(viaFetch.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await waitFor(() => opened.length === 2, 'two streams');
    const sent = [
      { data: 'one', id: 'a' },
      { data: 'multi\nline', event: 'kind', id: 'b' },
      { data: 'z'.repeat(70_000), id: 'c' },
    ];
    for (const event of sent) {
      for (const { stream } of opened) stream.send(event);
      await nextTurn();
    }
    const fromFetch: ParsedEvent[] = [];
    const parser = new EventStreamParser({ onEvent: (event) => fromFetch.push(event) });
    const reader = viaFetch.body!.getReader();
    while (fromFetch.length < sent.length) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
    const fromNode = await viaNode.waitForEvents(sent.length);
    const expected = sent.map((event) => ({
      type: event.event ?? 'message',
      data: event.data,
      lastEventId: event.id,
    }));
    expect(fromNode).toEqual(expected);
    expect(fromFetch).toEqual(expected);
    await reader.cancel();
    viaNode.close();
  });

  it('writes the same Buffer to every socket for the same event, one write each', async () => {
    const { url, opened } = await serveStreams({ heartbeatMs: 0 });
    const clients = [await openSse(url), await openSse(url), await openSse(url)];
    await waitFor(() => opened.length === 3, 'three streams');
    const written: unknown[] = [];
    for (const { res } of opened) {
      const socket = res.socket!;
      const write = socket.write.bind(socket) as (bytes: Uint8Array) => boolean;
      vi.spyOn(socket, 'write').mockImplementation(((bytes: Uint8Array) => {
        written.push(bytes);
        return write(bytes);
      }) as typeof socket.write);
    }
    const bytes = encodeEvent({ data: 'to all', id: '9' });
    for (const { stream } of opened) stream.sendBytes(bytes);
    await nextTurn();
    expect(written).toHaveLength(3);
    expect(written[1]).toBe(written[0]);
    expect(written[2]).toBe(written[0]);
    for (const client of clients) {
      const [event] = await client.waitForEvents(1);
      expect(event).toEqual({ type: 'message', data: 'to all', lastEventId: '9' });
      client.close();
    }
  });

  it('ends the body with the last chunk on close and keeps the connection for the next request', async () => {
    const served: string[] = [];
    host = await startServer((req, res) => {
      served.push(req.url ?? '');
      if (req.url === '/events') {
        const stream = createNodeSseStream(req, res, { heartbeatMs: 0 });
        stream.send({ data: 'only' });
        setImmediate(() => stream.close());
      } else {
        res.end('after');
      }
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets: Socket[] = [];
      const first = get(`${host.url}/events`, { agent });
      first.on('socket', (socket: Socket) => sockets.push(socket));
      const [response] = (await once(first, 'response')) as [IncomingMessage];
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      await once(response, 'end');
      expect(response.complete).toBe(true);
      expect(body).toBe(':\ndata: only\n\n');
      const second = get(`${host.url}/next`, { agent });
      second.on('socket', (socket: Socket) => sockets.push(socket));
      const [next] = (await once(second, 'response')) as [IncomingMessage];
      let text = '';
      for await (const chunk of next) text += String(chunk);
      expect(text).toBe('after');
      expect(served).toEqual(['/events', '/next']);
      expect(sockets[1]).toBe(sockets[0]);
    } finally {
      agent.destroy();
    }
  });

  it('still closes a stream whose reader stalls with queue-overflow, its socket buffer bounded', async () => {
    const maxQueueBytes = 128 * 1024;
    const reasons: StreamCloseReason[] = [];
    const { url, opened } = await serveStreams({
      heartbeatMs: 0,
      maxQueueBytes,
      onClose: (reason) => reasons.push(reason),
    });
    const request = get(url, { agent: false });
    request.on('error', () => {});
    const [response] = (await once(request, 'response')) as [IncomingMessage];
    response.on('error', () => {});
    response.pause();
    const { stream, res } = opened[0]!;
    const socket = res.socket!;
    const write = vi.spyOn(socket, 'write');
    const bytes = encodeEvent({ data: 'x'.repeat(16 * 1024) });
    let maxBufferedBytes = 0;
    for (let round = 0; round < 4000 && !stream.isClosed; round++) {
      stream.sendBytes(bytes);
      await nextTurn();
      maxBufferedBytes = Math.max(maxBufferedBytes, socket.writableLength);
    }
    expect(write).toHaveBeenCalled();
    expect(reasons).toEqual(['queue-overflow']);
    expect(maxBufferedBytes).toBeLessThanOrEqual(maxQueueBytes + socket.writableHighWaterMark);
    const closed = new Promise((resolve) => response.on('close', resolve));
    response.resume();
    await closed;
    expect(response.complete).toBe(false);
  });

  it('writes heartbeats through the socket too', async () => {
    const timers = new ManualTimers();
    const { url, opened } = await serveStreams({ timers, heartbeatMs: 1000 });
    const client = await openSse(url);
    await waitFor(() => opened.length === 1, 'the stream');
    const write = vi.spyOn(opened[0]!.res.socket!, 'write');
    timers.advance(1000);
    await nextTurn();
    await waitFor(() => client.comments.includes(' heartbeat'), 'a heartbeat');
    expect(write).toHaveBeenCalledTimes(1);
    expect(String(write.mock.calls[0]![0])).toBe('c\r\n: heartbeat\n\r\n');
    client.close();
  });

  it('ends with client-closed when the client goes away', async () => {
    const reasons: StreamCloseReason[] = [];
    const { url, opened } = await serveStreams({ heartbeatMs: 0, onClose: (reason) => reasons.push(reason) });
    const client = await openSse(url);
    await waitFor(() => opened.length === 1, 'the stream');
    client.close();
    await expect(opened[0]!.stream.closed).resolves.toBe('client-closed');
    expect(reasons).toEqual(['client-closed']);
    // Sends after the end are dropped, not written to a dead socket.
    const write = vi.spyOn(opened[0]!.res.socket ?? { write: () => true }, 'write');
    opened[0]!.stream.send({ data: 'late' });
    await nextTurn();
    expect(write).not.toHaveBeenCalled();
  });

  it('leaves an HTTP/1.0 body to node:http: not chunked, ended by closing the connection', async () => {
    const { url, opened } = await serveStreams({ heartbeatMs: 0 });
    const client = await rawExchange(Number(new URL(url).port), 'GET /events HTTP/1.0\r\nHost: x\r\n\r\n');
    await waitFor(() => opened.length === 1 && client.text().includes('\r\n\r\n:\n'), 'the first bytes');
    opened[0]!.stream.send({ data: 'old client' });
    await waitFor(() => client.text().includes('data: old client\n\n'), 'the event');
    const closed = once(client.socket, 'close');
    opened[0]!.stream.close();
    await closed;
    const text = client.text();
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    expect(text.toLowerCase()).not.toContain('transfer-encoding');
    expect(body).toBe(':\ndata: old client\n\n');
  });
});

describe('HTTP/2 keeps the stream API', () => {
  it('writes through the response, unframed', async () => {
    const streams: SseStream[] = [];
    const server = createHttp2Server((req, res) => {
      streams.push(createNodeSseStream(req, res, { heartbeatMs: 0 }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const session = connectHttp2(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    try {
      const request = session.request({ ':path': '/events' });
      request.on('error', () => {});
      await once(request, 'response');
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      await waitFor(() => streams.length === 1, 'the stream');
      streams[0]!.send({ data: 'over h2', id: '1' });
      await waitFor(() => Buffer.concat(chunks).toString().includes('over h2'), 'the event');
      expect(Buffer.concat(chunks).toString()).toBe(':\nid: 1\ndata: over h2\n\n');
    } finally {
      session.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

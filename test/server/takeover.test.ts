import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  closeTakenOverConnections,
  createNodeSseStream,
  type SseStream,
  type SseStreamOptions,
  type StreamCloseReason,
} from '../../src/server/index.js';
import { rawExchange } from '../support/raw-http.js';
import { ManualTimers, nextTurn, openSse, startServer, type TestServer, waitFor } from './support.js';

// With `takeOverConnection`, an HTTP/1.1 stream takes its connection over from node:http once the
// head is out, as node:http hands one to an `upgrade` listener. These tests read such streams with
// real clients and check that nothing a client or a server relies on changed with it.

let host: TestServer | undefined;
afterEach(async () => {
  if (host !== undefined) closeTakenOverConnections(host.server);
  await host?.close();
  host = undefined;
});

interface Opened {
  stream: SseStream;
  req: IncomingMessage;
  res: ServerResponse;
  reasons: StreamCloseReason[];
}

async function serveStreams(options: SseStreamOptions = {}) {
  const opened: Opened[] = [];
  host = await startServer((req, res) => {
    const reasons: StreamCloseReason[] = [];
    const stream = createNodeSseStream(req, res, {
      heartbeatMs: 0,
      ...options,
      takeOverConnection: true,
      onClose: (reason) => reasons.push(reason),
    });
    opened.push({ stream, req, res, reasons });
  });
  return { url: `${host.url}/events`, opened };
}

/** node:http let go of the connection: its parser is gone from the socket. */
function isTakenOver(opened: Opened): boolean {
  return (opened.req.socket as Socket & { parser?: unknown }).parser === null;
}

async function takenOver(opened: Opened[], count = 1): Promise<Opened[]> {
  await waitFor(() => opened.length >= count && opened.every(isTakenOver), 'the take-over');
  return opened;
}

function portOf(): number {
  return (host!.server.address() as AddressInfo).port;
}

describe('a stream that took its connection over', () => {
  it('delivers events to a real HTTP client as the same chunked body', async () => {
    const { url, opened } = await serveStreams();
    const client = await openSse(url);
    const [entry] = await takenOver(opened);
    entry!.stream.send({ id: '1', data: 'after the take-over' });
    entry!.stream.send({ data: 'line one\nline two' });
    const events = await client.waitForEvents(2);
    expect(events.map((event) => event.data)).toEqual(['after the take-over', 'line one\nline two']);
    expect(client.response.headers['transfer-encoding']).toBe('chunked');
    client.close();
  });

  it('ends the body with the last chunk and closes the connection on close()', async () => {
    const { opened } = await serveStreams();
    const { socket, text } = await rawExchange(portOf(), 'GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
    const [entry] = await takenOver(opened);
    entry!.stream.send({ data: 'bye' });
    entry!.stream.close();
    await once(socket, 'close');
    expect(text()).toMatch(/\r\n\r\n2\r\n:\n\r\n[0-9a-f]+\r\ndata: bye\n\n\r\n0\r\n\r\n$/);
    expect(entry!.reasons).toEqual(['server-closed']);
  });

  it('reports the client leaving', async () => {
    const { url, opened } = await serveStreams();
    const client = await openSse(url);
    const [entry] = await takenOver(opened);
    client.close();
    await waitFor(() => entry!.reasons.length === 1, 'the stream to close');
    expect(entry!.reasons).toEqual(['client-closed']);
    expect(entry!.stream.isClosed).toBe(true);
  });

  it("relays the response's 'close' to listeners registered before the take-over", async () => {
    const closes: string[] = [];
    const sockets: Socket[] = [];
    host = await startServer((req, res) => {
      // As an access log listens.
      res.once('close', () => closes.push('response close'));
      createNodeSseStream(req, res, {
        heartbeatMs: 0,
        takeOverConnection: true,
        onClose: (reason) => closes.push(reason),
      });
      sockets.push(req.socket);
    });
    const client = await openSse(`${host.url}/events`);
    await waitFor(
      () => sockets.length === 1 && (sockets[0] as Socket & { parser?: unknown }).parser === null,
      'the take-over',
    );
    client.close();
    await waitFor(() => closes.length === 2, 'both closes');
    expect(closes).toEqual(['client-closed', 'response close']);
  });

  it('ends the stream when the client half-closes its side', async () => {
    const { opened } = await serveStreams();
    const { socket } = await rawExchange(portOf(), 'GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
    const [entry] = await takenOver(opened);
    socket.end();
    await waitFor(() => entry!.reasons.length === 1, 'the stream to close');
    expect(entry!.reasons).toEqual(['client-closed']);
  });

  it('ignores bytes a client sends after its request, and keeps streaming', async () => {
    const { opened } = await serveStreams();
    const { socket, text } = await rawExchange(portOf(), 'GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
    const [entry] = await takenOver(opened);
    socket.write('GET /other HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.write('\u0000garbage\r\n\r\n');
    entry!.stream.send({ data: 'still here' });
    await waitFor(() => text().includes('data: still here'), 'the event');
    expect(opened).toHaveLength(1);
    expect(entry!.reasons).toEqual([]);
    socket.destroy();
  });

  it('still sends heartbeats', async () => {
    const timers = new ManualTimers();
    const { url, opened } = await serveStreams({ timers, heartbeatMs: 1000 });
    const client = await openSse(url);
    await takenOver(opened);
    timers.advance(1000);
    await waitFor(() => client.comments.includes(' heartbeat'), 'a heartbeat');
    client.close();
  });

  it('still disconnects a client that stops reading, at maxQueueBytes', async () => {
    const { opened } = await serveStreams({ maxQueueBytes: 64 * 1024 });
    const { socket } = await rawExchange(portOf(), 'GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.pause();
    const [entry] = await takenOver(opened);
    const event = { data: 'x'.repeat(16 * 1024) };
    // Bounded: the kernel's buffers fill within a few MiB, then the queue overflows.
    for (let i = 0; i < 2_000 && entry!.reasons.length === 0; i++) {
      entry!.stream.send(event);
      await nextTurn();
    }
    expect(entry!.reasons).toEqual(['queue-overflow']);
    socket.destroy();
  });

  it('is left out of closeAllConnections(), and closed by closeTakenOverConnections()', async () => {
    const { url, opened } = await serveStreams();
    const client = await openSse(url);
    const [entry] = await takenOver(opened);
    host!.server.closeAllConnections();
    // A fence: an event sent after closeAllConnections() still arrives.
    entry!.stream.send({ data: 'fence' });
    await client.waitForEvents(1);
    expect(entry!.reasons).toEqual([]);
    const closed = once(client.request.socket!, 'close');
    closeTakenOverConnections(host!.server);
    await closed;
    await waitFor(() => entry!.reasons.length === 1, 'the stream to close');
    expect(entry!.reasons).toEqual(['client-closed']);
  });

  it('leaves an HTTP/1.0 response to node:http (its body is not chunked)', async () => {
    const { opened } = await serveStreams();
    const { socket, text } = await rawExchange(portOf(), 'GET /events HTTP/1.0\r\nHost: x\r\n\r\n');
    await waitFor(() => opened.length === 1, 'the stream');
    await nextTurn();
    await nextTurn();
    expect(isTakenOver(opened[0]!)).toBe(false);
    opened[0]!.stream.send({ data: 'plain' });
    opened[0]!.stream.close();
    await once(socket, 'close');
    expect(text()).toMatch(/\r\n\r\n:\ndata: plain\n\n$/);
  });
});

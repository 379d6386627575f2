import { once } from 'node:events';
import { get, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createNodeSseStream, type SseStream, type StreamCloseReason } from '../../src/server/index.js';
import { EventStreamParser, encodeEvent, type ParsedEvent } from '../../src/sse/index.js';
import { nextTurn, startServer, type TestServer, waitFor } from './support.js';

let host: TestServer | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

const MAX_QUEUE_BYTES = 256 * 1024;
const CHUNK_BYTES = 32 * 1024;
/** Bounded: far more than loopback socket buffers can absorb before the queue overflows. */
const MAX_ROUNDS = 4000;

async function openPausedClient(url: string): Promise<IncomingMessage> {
  const request = get(url, { agent: false });
  request.on('error', () => {});
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  response.on('error', () => {});
  response.pause();
  return response;
}

async function serveOne(options: Parameters<typeof createNodeSseStream>[2]) {
  const opened: { stream: SseStream; res: ServerResponse }[] = [];
  host = await startServer((req, res) => {
    opened.push({ stream: createNodeSseStream(req, res, options), res });
  });
  return { url: `${host.url}/events`, opened };
}

describe('backpressure', () => {
  it('closes a stream whose reader stalls, with queue-overflow logged, and never buffers past the bound', async () => {
    const reasons: StreamCloseReason[] = [];
    const warn = vi.fn();
    const { url, opened } = await serveOne({
      maxQueueBytes: MAX_QUEUE_BYTES,
      onClose: (reason) => reasons.push(reason),
      logger: { warn },
    });
    const response = await openPausedClient(url);
    const { stream, res } = opened[0]!;
    const bytes = encodeEvent({ data: 'x'.repeat(CHUNK_BYTES) });
    let maxBufferedBytes = 0;
    for (let round = 0; round < MAX_ROUNDS && !stream.isClosed; round++) {
      stream.sendBytes(bytes);
      await nextTurn();
      maxBufferedBytes = Math.max(maxBufferedBytes, res.writableLength);
    }
    expect(reasons).toEqual(['queue-overflow']);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ reason: 'queue-overflow' }),
      expect.any(String),
    );
    // Node's own buffer holds at most one flushed batch (<= the bound) on top of its high-water mark.
    expect(maxBufferedBytes).toBeLessThanOrEqual(MAX_QUEUE_BYTES + res.writableHighWaterMark);
    await expect(stream.closed).resolves.toBe('queue-overflow');
    // The connection is torn down so the client reconnects and resumes from its last id.
    const clientClosed = new Promise((resolve) => response.on('close', resolve));
    response.resume();
    await clientClosed;
    expect(response.complete).toBe(false);
  });

  it('queues while the socket is full and delivers everything in order once the reader resumes', async () => {
    const { url, opened } = await serveOne({ maxQueueBytes: 4 * 1024 * 1024 });
    const response = await openPausedClient(url);
    const { stream, res } = opened[0]!;
    let sent = 0;
    const payload = 'y'.repeat(CHUNK_BYTES);
    // Fill the socket until Node reports it full, then queue some more on our side.
    // The socket's flag: the stream writes the body straight to it once the headers are out.
    const socket = res.socket!;
    for (let round = 0; round < MAX_ROUNDS && !socket.writableNeedDrain; round++) {
      stream.send({ id: String(++sent), data: payload });
      await nextTurn();
    }
    expect(socket.writableNeedDrain).toBe(true);
    for (let i = 0; i < 20; i++) stream.send({ id: String(++sent), data: payload });
    await nextTurn();
    expect(stream.isClosed).toBe(false);

    const events: ParsedEvent[] = [];
    const parser = new EventStreamParser({ onEvent: (event) => events.push(event) });
    response.on('data', (chunk: Buffer) => parser.feed(chunk));
    response.resume();
    await waitFor(() => events.length === sent, `${sent} events`);
    expect(events.map((event) => event.lastEventId)).toEqual(
      Array.from({ length: sent }, (_, i) => String(i + 1)),
    );
    expect(stream.isClosed).toBe(false);
    stream.close();
  });
});

import { once } from 'node:events';
import { get, type IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import compression from 'compression';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeSseStream, type SseStream, type SseStreamOptions } from '../../src/server/index.js';
import { EventStreamParser, type ParsedEvent } from '../../src/sse/index.js';
import { startServer, type TestServer, waitFor } from './support.js';

let host: TestServer | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

/** The express-style `compression()` middleware in front of our handler, threshold 0 so size never excuses it. */
async function serveBehindCompression(options: SseStreamOptions) {
  const middleware = compression({ threshold: 0 });
  const streams: SseStream[] = [];
  host = await startServer((req, res) => {
    middleware(req as never, res as never, () => {
      streams.push(createNodeSseStream(req, res, options));
    });
  });
  return { url: `${host.url}/events`, streams };
}

async function openGzipAccepting(url: string) {
  const request = get(url, { agent: false, headers: { 'accept-encoding': 'gzip' } });
  request.on('error', () => {});
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  response.on('error', () => {});
  const events: ParsedEvent[] = [];
  const parser = new EventStreamParser({ onEvent: (event) => events.push(event) });
  const body = response.headers['content-encoding'] === 'gzip' ? response.pipe(createGunzip()) : response;
  body.on('data', (chunk: Buffer) => parser.feed(chunk));
  return { request, response, events };
}

describe('behind the compression middleware', () => {
  it('is left uncompressed (no-transform) and events arrive while the stream stays open', async () => {
    const { url, streams } = await serveBehindCompression({});
    const client = await openGzipAccepting(url);
    expect(client.response.headers['content-encoding']).toBeUndefined();
    streams[0]!.send({ data: 'live', id: '1' });
    await waitFor(() => client.events.length === 1, 'the event');
    expect(client.events[0]!.data).toBe('live');
    expect(client.response.complete).toBe(false);
    expect(streams[0]!.isClosed).toBe(false);
    client.request.destroy();
  });

  it('flushes the gzip stream after each write when Cache-Control allows compression', async () => {
    const { url, streams } = await serveBehindCompression({ headers: { 'Cache-Control': 'no-cache' } });
    const client = await openGzipAccepting(url);
    // The caller opted into compression: it happens, and flush() still pushes each event out.
    expect(client.response.headers['content-encoding']).toBe('gzip');
    streams[0]!.send({ data: 'first' });
    await waitFor(() => client.events.length === 1, 'the first event');
    streams[0]!.send({ data: 'Grüße 🌍' });
    await waitFor(() => client.events.length === 2, 'the second event');
    expect(client.events.map((event) => event.data)).toEqual(['first', 'Grüße 🌍']);
    expect(client.response.complete).toBe(false);
    client.request.destroy();
  });
});

import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createFetchSseResponse,
  createNodeSseStream,
  type SseStream,
  type SseStreamOptions,
} from '../../src/server/index.js';
import { launchChromium } from '../support/chromium.js';
import { startServer, waitFor } from './support.js';

/**
 * The page records what a real EventSource sees. `opened` counts `open` events and notes how many
 * messages had arrived by then, which shows the headers were flushed before any event.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><script>
  window.log = { opens: [], messages: [] };
  const source = new EventSource('/events?lastEventId=41');
  source.onopen = () => window.log.opens.push(window.log.messages.length);
  const record = (event) => window.log.messages.push({ type: event.type, data: event.data, lastEventId: event.lastEventId });
  source.onmessage = record;
  source.addEventListener('greeting', record);
</script>`;

interface PageLog {
  opens: number[];
  messages: { type: string; data: string; lastEventId: string }[];
}

const MULTI_LINE = 'Grüße 🌍\nline 2';
const OPTIONS: SseStreamOptions = { retryMs: 50 };

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function serveNodeHttp(streams: SseStream[]): Promise<string> {
  const host = await startServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      return;
    }
    if (req.url?.startsWith('/events') !== true) {
      res.writeHead(404).end();
      return;
    }
    streams.push(createNodeSseStream(req, res, OPTIONS));
  });
  cleanups.push(() => host.close());
  return host.url;
}

async function serveHono(streams: SseStream[]): Promise<string> {
  const app = new Hono();
  app.get('/', (c) => c.html(PAGE));
  app.get('/events', (c) => {
    const { response, stream } = createFetchSseResponse(c.req.raw, OPTIONS);
    streams.push(stream);
    return response;
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe.each([
  ['node:http', serveNodeHttp],
  ['Hono on @hono/node-server (Fetch Response)', serveHono],
])('Chromium EventSource against %s', (_name, serve) => {
  it('opens before any event, receives multi-line non-ASCII data, and resumes with Last-Event-ID', async () => {
    const streams: SseStream[] = [];
    const url = await serve(streams);
    const page = await browser.newPage();
    cleanups.push(() => page.close());
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { log: PageLog }).log.opens.length === 1);
    const first = streams[0]!;
    expect(first.lastEventId).toBe('41');

    first.send({ id: '42', data: MULTI_LINE });
    first.send({ id: '43', event: 'greeting', data: 'hallo' });
    await page.waitForFunction(() => (window as unknown as { log: PageLog }).log.messages.length === 2);

    // The server ends the stream; the browser reconnects after the retry hint, sending its last id.
    first.close();
    await waitFor(() => streams.length === 2, 'the reconnection');
    expect(streams[1]!.lastEventId).toBe('43');
    streams[1]!.send({ id: '44', data: 'after reconnect' });
    await page.waitForFunction(() => (window as unknown as { log: PageLog }).log.messages.length === 3);

    const log = (await page.evaluate(() => (window as unknown as { log: PageLog }).log)) as PageLog;
    expect(log.opens).toEqual([0, 2]);
    expect(log.messages).toEqual([
      { type: 'message', data: MULTI_LINE, lastEventId: '42' },
      { type: 'greeting', data: 'hallo', lastEventId: '43' },
      { type: 'message', data: 'after reconnect', lastEventId: '44' },
    ]);
  });
});

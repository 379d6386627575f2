/**
 * Guide 3, docs/learn/six-connections.md, in Debian's Chromium: tabs of one browser that each hold
 * an event stream. Over HTTP/1.1 the seventh tab is not even requested until another tab lets its
 * connection go; over HTTP/2 every tab's stream shares one connection. Servers on loopback, port 0.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { subscribeAll } from '../../examples/learn/many-topics.js';
import { http1Server, http2Server } from '../../examples/learn/six-connections.js';
import { createHub } from '../../src/http/index.js';
import { launchChromium } from '../support/chromium.js';
import { selfSignedCertificate } from '../support/tls.js';

vi.mock('herald/client', () => import('../../src/client/index.js'));
vi.mock('herald/hub', () => import('../../src/http/index.js'));

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as { port: number }).port;
}

const isOpen = (page: Page) =>
  page.waitForFunction(() => document.getElementById('state')?.textContent === 'open');

async function openTabs(context: BrowserContext, url: string, count: number): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < count; i++) {
    const page = await context.newPage();
    await page.goto(url);
    await isOpen(page);
    pages.push(page);
  }
  return pages;
}

describe('examples/learn/six-connections.ts in Chromium', () => {
  it('over HTTP/1.1, holds the seventh tab back until another tab closes', async () => {
    const { server, openStreams } = http1Server();
    const requested: string[] = [];
    server.prependListener('request', (req) => requested.push(req.url ?? ''));
    const url = `http://127.0.0.1:${await listen(server)}/`;
    // The fence: another origin (another port), whose connections the limit does not count.
    const { server: other } = http1Server();
    other.prependListener('request', (_req, res) => res.setHeader('Access-Control-Allow-Origin', '*'));
    const otherUrl = `http://127.0.0.1:${await listen(other)}/`;
    const context = await browser.newContext();
    try {
      const tabs = await openTabs(context, url, 6);
      expect(openStreams.size).toBe(6);
      expect(requested.filter((path) => path === '/')).toHaveLength(6);

      const seventh = await context.newPage();
      const loaded = seventh.goto(url);
      // The browser sends the seventh tab's request (it shows as requested in the tab) ...
      await seventh.waitForEvent('request');
      // ... and a request to another origin, made after it, gets its answer ...
      expect(await tabs[0]!.evaluate((address) => fetch(address).then((r) => r.status), otherUrl)).toBe(200);
      // ... while ours never received the seventh page: it waits in the browser for a free connection.
      expect(requested.filter((path) => path === '/')).toHaveLength(6);
      expect(openStreams.size).toBe(6);

      await tabs[0]!.close(); // one stream ends, its connection is free
      await loaded;
      await isOpen(seventh);
      expect(requested.filter((path) => path === '/')).toHaveLength(7);
      expect(openStreams.size).toBe(6);
    } finally {
      await context.close();
      server.closeAllConnections();
      other.closeAllConnections();
      server.close();
      other.close();
    }
  });

  it('over HTTP/2, opens ten tabs, every stream on one connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-learn-'));
    try {
      const { certPath, keyPath } = selfSignedCertificate(dir);
      const { server, openStreams } = http2Server(
        readFileSync(certPath, 'utf8'),
        readFileSync(keyPath, 'utf8'),
      );
      let sessions = 0;
      server.on('session', () => sessions++);
      const url = `https://127.0.0.1:${await listen(server)}/`;
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      try {
        await openTabs(context, url, 10);
        expect(openStreams.size).toBe(10);
        expect(sessions).toBe(1);
      } finally {
        await context.close();
        server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A hub on loopback, port 0. */
async function startHub() {
  const herald = await createHub({ store: 'memory', allowAnonymous: true });
  const server = createServer(herald.handleNode);
  const url = `http://127.0.0.1:${await listen(server)}`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    await herald.close();
  };
  return { url, herald, close };
}

describe('examples/learn/many-topics.ts', () => {
  it('receives three topics over one stream, and nothing of a topic it did not ask for', async () => {
    const hub = await startHub();
    const received: string[] = [];
    let fenceSeen: () => void = () => {};
    const fence = new Promise<void>((done) => {
      fenceSeen = done;
    });
    const source = subscribeAll(hub.url, (type, data) => {
      received.push(`${type}: ${data}`);
      if (data === 'fence') fenceSeen();
    });
    try {
      await new Promise((done) => source.addEventListener('open', done, { once: true }));
      const publish = (topic: string, type: string, data: string) =>
        hub.herald.publish({ topics: [`https://example.com/${topic}`], type, data });
      await publish('stocks/HRLD', 'price', '101.00');
      await publish('users/bob/notifications', 'notification', 'for Bob'); // not subscribed
      await publish('users/alice/notifications', 'notification', 'for Alice');
      await publish('chat/lobby', 'message', 'hello');
      await publish('chat/lobby', 'message', 'fence');
      await fence;
      expect(received).toEqual([
        'price: 101.00',
        'notification: for Alice',
        'message: hello',
        'message: fence',
      ]);
      expect(hub.herald.hub.subscribers.size).toBe(1); // one subscriber, one connection
    } finally {
      source.close();
      await hub.close();
    }
  });
});

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type * as Herald from '../../src/client/index.js';
import { launchChromium } from '../support/chromium.js';
import { startPageServer } from './browser-support.js';
import { RealHub } from './real-hub.js';
import { type TestServer, waitFor } from './support.js';

declare global {
  interface Window {
    Herald: typeof Herald;
    received: string[];
    source: { readyState: number; isLeader?: boolean; close(): void };
  }
}

const TABS = 8;
let hub: RealHub;
let server: TestServer;
let browser: Browser;
let context: BrowserContext | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await context?.close();
  await server?.close();
  await hub?.close();
});

/** Opens the tabs and loads the page in each first: once 6 streams hold the 6 sockets, nothing else loads. */
async function openTabs(): Promise<Page[]> {
  hub = await RealHub.create();
  server = await startPageServer(hub.handle);
  hub.mountAt(server.url);
  context = await browser.newContext();
  const pages: Page[] = [];
  for (let i = 0; i < TABS; i++) {
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, undefined, {
      polling: 100,
    });
    pages.push(page);
  }
  return pages;
}

function subscribe(page: Page, shared: boolean): Promise<void> {
  const { pathname, search } = new URL(hub.url);
  return page.evaluate(
    ({ shared, path, headers }) => {
      window.received = [];
      const source = shared
        ? new window.Herald.SharedEventSource(path, { headers })
        : new window.Herald.EventSource(path, { headers });
      source.onmessage = (event) => window.received.push((event as MessageEvent).lastEventId);
      window.source = source;
    },
    { shared, path: `${pathname}${search}`, headers: hub.subscriberHeaders },
  );
}

const received = (page: Page) => page.evaluate(() => window.received);
const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `e${from + i}`);

async function waitForAll(pages: Page[], count: number): Promise<void> {
  for (const page of pages) {
    // Interval polling, not the default requestAnimationFrame: a tab that is not in front may get
    // no animation frames at all, and the wait would time out though the events are there.
    await page.waitForFunction((count) => window.received.length >= count, count, {
      timeout: 15_000,
      polling: 100,
    });
  }
}

describe('eight tabs of one origin over HTTP/1.1', () => {
  it('without sharing, the 7th and 8th tabs stall: the browser allows 6 connections per origin', async () => {
    const pages = await openTabs();
    for (const page of pages) await subscribe(page, false);
    await waitFor(() => hub.openStreams === 6, 'six open streams');
    await hub.publish('a');
    await waitForAll(pages.slice(0, 6), 1);
    // The first six tabs got the event; the last two still have no connection at all.
    const states = await Promise.all(pages.map((page) => page.evaluate(() => window.source.readyState)));
    expect(states).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    expect(hub.openStreams).toBe(6);
    expect(await received(pages[7]!)).toEqual([]);
  });

  it('with sharing, one connection serves all 8 tabs, and closing the leader tab loses and doubles nothing', async () => {
    const pages = await openTabs();
    for (const page of pages) await subscribe(page, true);
    await waitFor(() => hub.openStreams === 1, 'one open stream');
    for (let i = 1; i <= 10; i++) await hub.publish(`m${i}`);
    await waitForAll(pages, 10);
    for (const page of pages) expect(await received(page)).toEqual(ids(1, 10));
    expect(hub.subscriptions.filter((request) => request.transport === 'sse')).toHaveLength(1);

    const leaders = await Promise.all(
      pages.map((page) => page.evaluate(() => window.source.isLeader === true)),
    );
    expect(leaders.filter(Boolean)).toHaveLength(1);
    const leader = pages[leaders.indexOf(true)]!;
    await leader.close();
    for (let i = 11; i <= 20; i++) await hub.publish(`m${i}`);
    const survivors = pages.filter((page) => page !== leader);
    await waitForAll(survivors, 20);
    await waitFor(() => hub.openStreams === 1, 'the new leader stream');
    for (const page of survivors) expect(await received(page)).toEqual(ids(1, 20));
    // The new leader resumed from the last cursor it saw.
    expect(
      hub.subscriptions.filter((request) => request.transport === 'sse').map((request) => request.cursor),
    ).toEqual(['', 'e10']);
  });
});

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Herald from '../../src/client/index.js';
import { launchChromium } from '../support/chromium.js';
import { startPageServer } from './browser-support.js';
import { RealHub } from './real-hub.js';
import type { TestServer } from './support.js';

declare global {
  interface Window {
    Herald: typeof Herald;
  }
}

let hub: RealHub;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  hub = await RealHub.create();
  // Like a buffering proxy in front of the hub: the never-ending event stream never gets a byte
  // through (not even its head); polls and publications, which end, pass.
  server = await startPageServer((request, response) => {
    if (request.method !== 'GET' || request.url?.includes('transport=')) return hub.handle(request, response);
    request.resume();
  });
  hub.mountAt(server.url);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await hub?.close();
});

describe("transport 'auto' in Chromium", () => {
  it('switches to long polling when the event stream shows no first byte, and receives the events', async () => {
    await hub.publish('one');
    await hub.publish('two');
    const { pathname, search } = new URL(hub.url);
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const result = await page.evaluate(
      ({ path, headers }) =>
        new Promise<{ data: string[]; transport: string }>((resolve) => {
          const source = new window.Herald.EventSource(path, {
            transport: 'auto',
            headers,
            // The events were published before: from the start of the history.
            lastEventId: 'earliest',
            firstByteTimeoutMs: 100,
            longPollTimeoutMs: 100,
          });
          const data: string[] = [];
          source.onmessage = (event) => {
            data.push(`${event.data}@${event.lastEventId}`);
            if (data.length === 2) {
              source.close();
              resolve({ data, transport: source.transport });
            }
          };
        }),
      { path: `${pathname}${search}`, headers: hub.subscriberHeaders },
    );
    expect(result).toEqual({ data: ['one@e1', 'two@e2'], transport: 'long-poll' });
    expect(hub.subscriptions.map((request) => request.transport)).toEqual(['long-poll']);
  });
});

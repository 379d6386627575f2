import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Herald from '../../src/client/index.js';
import { launchChromium } from '../support/chromium.js';
import { startPageServer } from './browser-support.js';
import { FakeHub } from './fake-hub.js';
import type { TestServer } from './support.js';

declare global {
  interface Window {
    Herald: typeof Herald;
  }
}

let hub: FakeHub;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  hub = new FakeHub();
  // Like a buffering proxy in front of the hub: the never-ending event stream never gets a byte
  // through (not even its head); polls, which end, pass.
  server = await startPageServer((request, response) => {
    if (request.url?.includes('transport=')) return hub.handle(request, response);
    request.resume();
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await hub?.close();
});

describe("transport 'auto' in Chromium", () => {
  it('switches to long polling when the event stream shows no first byte, and receives the events', async () => {
    hub.publish('one');
    hub.publish('two');
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const result = await page.evaluate(
      () =>
        new Promise<{ data: string[]; transport: string }>((resolve) => {
          const source = new window.Herald.EventSource('/.well-known/mercure?topic=t', {
            transport: 'auto',
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
    );
    expect(result).toEqual({ data: ['one@e1', 'two@e2'], transport: 'long-poll' });
    expect(hub.requests.map((request) => request.transport)).toEqual(['long-poll']);
  });
});

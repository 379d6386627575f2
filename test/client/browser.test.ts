import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Herald from '../../src/client/index.js';
import type { ParsedEvent } from '../../src/sse/index.js';
import { toBytes } from '../sse/collect.js';
import { formatCases } from '../sse/format-cases.js';
import { launchChromium } from '../support/chromium.js';
import { startPageServer } from './browser-support.js';
import type { TestServer } from './support.js';

declare global {
  interface Window {
    Herald: typeof Herald;
  }
}

/** Last-Event-ID of each request to /reconnect/<name>, as UTF-8 text of the raw header bytes. */
const reconnectRequests = new Map<string, Array<string | null>>();
let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startPageServer((request, response) => {
    const [, route, arg] = (request.url ?? '').split('/');
    if (route === 'case') {
      const testCase = formatCases[Number(arg)]!;
      response.writeHead(200, { 'content-type': testCase.contentType ?? 'text/event-stream' });
      return void response.end(toBytes(testCase.input));
    }
    if (route === 'status') {
      const [status, type] = decodeURIComponent(arg ?? '').split(' ');
      response.writeHead(Number(status), { 'content-type': type ?? 'text/event-stream' });
      return void response.end(status === '204' ? undefined : 'data: no\n\n');
    }
    if (route === 'reconnect' && arg !== undefined) {
      const header = request.headers['last-event-id'];
      const seen = reconnectRequests.get(arg) ?? [];
      reconnectRequests.set(arg, seen);
      seen.push(typeof header === 'string' ? Buffer.from(header, 'latin1').toString('utf8') : null);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      // A short retry keeps the test quick; the second connection stays open.
      if (seen.length === 1) return void response.end('retry: 20\nid: é…🎉\ndata: first\n\n');
      return void response.write('data: second\n\n');
    }
    response.writeHead(404).end();
  });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${server.url}/`);
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface PageResult {
  events: ParsedEvent[];
  errorCode: string | undefined;
  readyState: number;
  opens: number;
}

/** Runs our EventSource in the page until its first error, then closes it. */
function runUntilError(path: string, types: string[]): Promise<PageResult> {
  return page.evaluate(
    ({ path, types }) =>
      new Promise<PageResult>((resolve) => {
        const source = new window.Herald.EventSource(path, { backoffBaseMs: 0 });
        const result: PageResult = { events: [], errorCode: undefined, readyState: -1, opens: 0 };
        const record = (event: Event) => {
          const { type, data, lastEventId } = event as MessageEvent<string>;
          result.events.push({ type, data, lastEventId });
        };
        for (const type of types) source.addEventListener(type, record);
        source.onopen = () => result.opens++;
        source.onerror = (event) => {
          result.errorCode = (event as Herald.ConnectionErrorEvent).code;
          result.readyState = source.readyState;
          source.close();
          resolve(result);
        };
      }),
    { path, types },
  );
}

describe('format cases through our EventSource in Chromium', () => {
  formatCases.forEach((testCase, index) => {
    it(testCase.name, async () => {
      const types = [...new Set(['message', ...testCase.events.map((event) => event.type)])];
      const result = await runUntilError(`/case/${index}`, types);
      expect(result.events).toEqual(testCase.events);
      if (testCase.expectConnectionFailure) {
        expect(result).toMatchObject({ errorCode: 'CONTENT_TYPE', readyState: 2, opens: 0 });
      } else {
        expect(result).toMatchObject({ errorCode: 'END_OF_STREAM', readyState: 0, opens: 1 });
      }
    });
  });
});

describe('status and content type in Chromium', () => {
  it.each([
    ['204 text/event-stream', 'HTTP_STATUS'],
    ['500 text/event-stream', 'HTTP_STATUS'],
    ['200 text/html', 'CONTENT_TYPE'],
  ])('%s closes the connection without retrying', async (status, code) => {
    const result = await runUntilError(`/status/${encodeURIComponent(status)}`, ['message']);
    expect(result).toEqual({ events: [], errorCode: code, readyState: 2, opens: 0 });
    const willReconnect = await page.evaluate(
      async (path) => {
        const source = new window.Herald.EventSource(path);
        const event = await new Promise<Event>((resolve) => source.addEventListener('error', resolve));
        return (event as Herald.ConnectionErrorEvent).willReconnect;
      },
      `/status/${encodeURIComponent(status)}`,
    );
    expect(willReconnect).toBe(false);
  });

  it('accepts text/event-stream;charset=utf-8', async () => {
    const result = await runUntilError(
      `/status/${encodeURIComponent('200 text/event-stream;charset=utf-8')}`,
      ['message'],
    );
    expect(result.events.map((event) => event.data)).toEqual(['no']);
    expect(result.errorCode).toBe('END_OF_STREAM');
  });
});

describe('reconnection in Chromium', () => {
  /** Waits for the `second` message after a reconnection, using the named constructor. */
  const reconnect = (implementation: 'Herald' | 'native', name: string) =>
    page.evaluate(
      ({ implementation, path }) =>
        new Promise<string[]>((resolve) => {
          const source =
            implementation === 'native'
              ? new EventSource(path)
              : new window.Herald.EventSource(path, { backoffBaseMs: 0 });
          const ids: string[] = [];
          source.onmessage = (event: MessageEvent<string>) => {
            ids.push(`${event.data}@${event.lastEventId}`);
            if (event.data === 'second') {
              source.close();
              resolve(ids);
            }
          };
        }),
      { implementation, path: `/reconnect/${name}` },
    );

  it('sends the last event id as UTF-8 bytes, exactly as the native EventSource does', async () => {
    const ours = await reconnect('Herald', 'ours');
    const native = await reconnect('native', 'native');
    expect(ours).toEqual(['first@é…🎉', 'second@é…🎉']);
    expect(native).toEqual(ours);
    expect(reconnectRequests.get('ours')).toEqual([null, 'é…🎉']);
    expect(reconnectRequests.get('native')).toEqual(reconnectRequests.get('ours'));
  });
});

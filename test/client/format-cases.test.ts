import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectionErrorEvent, EventSource } from '../../src/client/index.js';
import type { ParsedEvent } from '../../src/sse/index.js';
import { toBytes } from '../sse/collect.js';
import { formatCases } from '../sse/format-cases.js';
import { ManualTimers, nextEvent, startServer, type TestServer } from './support.js';

let server: TestServer;

beforeAll(async () => {
  // Serves format case number N at /N: the whole input, then the end of the response.
  server = await startServer((request, response) => {
    const testCase = formatCases[Number(request.url?.slice(1))];
    if (testCase === undefined) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': testCase.contentType ?? 'text/event-stream' });
    response.end(toBytes(testCase.input));
  });
});

afterAll(() => server.close());

describe('web-platform-tests format cases replayed through EventSource over HTTP', () => {
  formatCases.forEach((testCase, index) => {
    it(testCase.name, async () => {
      const timers = new ManualTimers();
      const source = new EventSource(`${server.url}/${index}`, { timers, random: () => 0 });
      const events: ParsedEvent[] = [];
      const record = (event: Event) => {
        const { type, data, lastEventId } = event as MessageEvent<string>;
        events.push({ type, data, lastEventId });
      };
      for (const type of new Set(['message', ...testCase.events.map((event) => event.type)])) {
        source.addEventListener(type, record);
      }
      const error = await nextEvent<ConnectionErrorEvent>(source, 'error');
      source.close();

      expect(events).toEqual(testCase.events);
      if (testCase.expectConnectionFailure) {
        expect(error.code).toBe('CONTENT_TYPE');
        expect(timers.pending).toEqual([]);
        return;
      }
      // The stream ended: the client reconnects after the last `retry` (jitter is 0 here).
      expect(error.code).toBe('END_OF_STREAM');
      expect(source.lastEventId).toBe(testCase.lastEventIdAtEnd);
    });
  });
});

describe('reconnection time from the format cases', () => {
  formatCases.forEach((testCase, index) => {
    if (testCase.expectConnectionFailure) return;
    it(`waits the last valid retry (or 3000 ms) before reconnecting: ${testCase.name}`, async () => {
      const timers = new ManualTimers();
      const source = new EventSource(`${server.url}/${index}`, { timers, random: () => 0 });
      await nextEvent(source, 'error');
      expect(source.readyState).toBe(EventSource.CONNECTING);
      expect(timers.delays()).toEqual([testCase.retries.at(-1) ?? 3000]);
      source.close();
      expect(timers.pending).toEqual([]);
    });
  });
});

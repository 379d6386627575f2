import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { type ConnectionErrorEvent, EventSource } from '../../src/client/index.js';
import {
  bodiesInTurn,
  lastEventIdBytes,
  ManualTimers,
  nextEvent,
  serverPerTest,
  waitFor,
  writeStreamHead,
} from './support.js';

const serve = serverPerTest();

describe('reestablishing the connection', () => {
  it('after the end of the stream: CONNECTING, error, waits retry, then sends the last id', async () => {
    const { handler, requests } = bodiesInTurn([
      'retry: 1500\nid: 1\ndata: one\n\nid: 2\ndata: two\n\n',
      'data: three\n\n',
    ]);
    const server = await serve(handler);
    const timers = new ManualTimers();
    const source = new EventSource(`${server.url}/`, { timers, random: () => 0 });
    const messages: Array<[string, string]> = [];
    source.onmessage = (event) =>
      messages.push([(event as MessageEvent).data, (event as MessageEvent).lastEventId]);
    const error = await nextEvent<ConnectionErrorEvent>(source, 'error');
    expect(error.code).toBe('END_OF_STREAM');
    expect(error.willReconnect).toBe(true);
    expect(source.readyState).toBe(EventSource.CONNECTING);
    expect(timers.delays()).toEqual([1500]);
    timers.fire(1500);
    await nextEvent(source, 'error');
    source.close();
    expect(requests).toEqual([undefined, '2']);
    // The last event id persists across reconnections: `three` has no id of its own.
    expect(messages).toEqual([
      ['one', '1'],
      ['two', '2'],
      ['three', '2'],
    ]);
  });

  it('sends a non-ASCII last event id as its UTF-8 bytes', async () => {
    const id = 'é…🎉';
    const requests: Array<string | undefined> = [];
    const server = await serve((request, response) => {
      requests.push(lastEventIdBytes(request.headers['last-event-id']));
      writeStreamHead(response);
      response.end(`id: ${id}\ndata: x\n\n`);
    });
    const timers = new ManualTimers();
    const source = new EventSource(`${server.url}/`, { timers, random: () => 0 });
    await nextEvent(source, 'error');
    timers.fire(3000);
    await nextEvent(source, 'error');
    source.close();
    expect(requests).toEqual([undefined, id]);
  });

  it('keeps an id set by a block without data, and an empty id clears it', async () => {
    const { handler, requests } = bodiesInTurn(['id: 7\n\n', 'id\n\n', '']);
    const server = await serve(handler);
    const timers = new ManualTimers();
    const source = new EventSource(`${server.url}/`, { timers, random: () => 0 });
    for (let i = 0; i < 2; i++) {
      await nextEvent(source, 'error');
      timers.fire(3000);
    }
    await nextEvent(source, 'error');
    source.close();
    expect(requests).toEqual([undefined, '7', undefined]);
  });

  it('after a network error in the middle of the stream', async () => {
    let requests = 0;
    const server = await serve((request, response) => {
      requests += 1;
      writeStreamHead(response);
      response.write('id: a\ndata: 1\n\n');
      if (requests === 1) setTimeout(() => request.socket.destroy(), 10);
    });
    const timers = new ManualTimers();
    const source = new EventSource(`${server.url}/`, { timers, random: () => 0 });
    const error = await nextEvent<ConnectionErrorEvent>(source, 'error');
    expect(['NETWORK', 'END_OF_STREAM']).toContain(error.code);
    expect(source.readyState).toBe(EventSource.CONNECTING);
    timers.fire(3000);
    await nextEvent(source, 'open');
    source.close();
    expect(requests).toBe(2);
  });

  it('does not reconnect once close() is called during the wait', async () => {
    let requests = 0;
    const server = await serve((_request, response) => {
      requests += 1;
      writeStreamHead(response);
      response.end();
    });
    const timers = new ManualTimers();
    const source = new EventSource(`${server.url}/`, { timers });
    await nextEvent(source, 'error');
    expect(timers.pending).toHaveLength(1);
    source.close();
    expect(timers.pending).toEqual([]);
    expect(requests).toBe(1);
  });

  it('stops when an error listener calls close()', async () => {
    const server = await serve((_request, response) => {
      writeStreamHead(response);
      response.end();
    });
    const timers = new ManualTimers();
    const source = new EventSource(`${server.url}/`, { timers });
    source.onerror = () => source.close();
    await nextEvent(source, 'error');
    expect(source.readyState).toBe(EventSource.CLOSED);
    expect(timers.pending).toEqual([]);
  });
});

describe('backoff with full jitter above the reconnection time', () => {
  it('doubles the jitter ceiling per failed attempt up to the cap, and resets after an open', async () => {
    let requests = 0;
    const server = await serve((request, response: ServerResponse) => {
      requests += 1;
      // Attempts 1-4 die before any response (network errors); the 5th opens and ends.
      if (requests <= 4) return void request.socket.destroy();
      writeStreamHead(response);
      response.end('retry: 100\n\n');
    });
    const timers = new ManualTimers();
    const source = new EventSource(`${server.url}/`, {
      timers,
      random: () => 0.5,
      backoffBaseMs: 1000,
      backoffCapMs: 4000,
    });
    const delays: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      await nextEvent(source, 'error');
      const [delayMs] = timers.delays();
      delays.push(delayMs!);
      timers.fire(delayMs!);
    }
    await nextEvent(source, 'open');
    await nextEvent(source, 'error');
    delays.push(...timers.delays());
    source.close();
    // 3000 + 0.5 * min(4000, 1000 * 2^n) for n = 0..3; then retry 100 + 0.5 * 1000 after the open.
    expect(delays).toEqual([3500, 4000, 5000, 5000, 600]);
  });
});

describe('liveness watchdog', () => {
  it('reconnects when neither an event nor a comment arrives within heartbeatTimeoutMs', async () => {
    const requests: Array<string | undefined> = [];
    let first: ServerResponse | undefined;
    const server = await serve((request, response) => {
      requests.push(lastEventIdBytes(request.headers['last-event-id']));
      writeStreamHead(response);
      response.write('id: 5\ndata: hello\n\n');
      first ??= response;
    });
    const timers = new ManualTimers();
    const source = new EventSource(`${server.url}/`, { timers, random: () => 0, heartbeatTimeoutMs: 45_000 });
    await nextEvent(source, 'message');
    const armedAt = timers.pending.map((timer) => timer.id);
    first?.write(': heartbeat\n\n');
    await waitFor(() => timers.pending[0]?.id !== armedAt[0], 'the watchdog to be re-armed by a comment');
    expect(timers.delays()).toEqual([45_000]);

    const errored = nextEvent<ConnectionErrorEvent>(source, 'error');
    timers.fire(45_000);
    const error = await errored;
    expect(error.code).toBe('HEARTBEAT_TIMEOUT');
    expect(source.readyState).toBe(EventSource.CONNECTING);
    timers.fire(3000);
    await nextEvent(source, 'open');
    source.close();
    expect(requests).toEqual([undefined, '5']);
  });
});

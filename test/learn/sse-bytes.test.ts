/**
 * Guide 1, docs/learn/sse-from-the-bytes-up.md: the three servers (node:http alone, herald/server,
 * the hub) serve the stream the guide describes, and an EventSource reads it, reconnecting after
 * the server's `retry` with `Last-Event-ID`. Real servers on loopback, port 0.
 */
import type { AddressInfo } from 'node:net';
import { EventSource } from 'herald/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { start as startHerald } from '../../examples/learn/herald-sse-server.js';
import { start as startHub } from '../../examples/learn/hub-sse-server.js';
import { createRawSseServer, start as startRaw } from '../../examples/learn/raw-sse-server.js';
import { readTicks } from '../../examples/learn/read-events.js';
import { hasEvents, readRaw } from './raw-http.js';

// The examples import Herald by its package names, as an application does; here they are the sources.
vi.mock('herald/client', () => import('../../src/client/index.js'));
vi.mock('herald/server', () => import('../../src/server/index.js'));
vi.mock('herald/hub', () => import('../../src/http/index.js'));

const TICK_MS = 10;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function started(
  start: (port: number, tickMs: number) => Promise<{ url: string; close: () => Promise<void> }>,
) {
  const server = await start(0, TICK_MS);
  closers.push(server.close);
  return server.url;
}

describe('examples/learn/raw-sse-server.ts', () => {
  it('writes the event-stream headers, a comment, a retry and numbered multi-line events', async () => {
    const url = await started(startRaw);
    const { head, body } = await readRaw(`${url}/events`, hasEvents(3));
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\n/);
    expect(head).toContain('\nContent-Type: text/event-stream; charset=utf-8\n');
    expect(
      body.startsWith(
        ': connected\n\nretry: 3000\n\nid: 1\nevent: tick\ndata: tick 1\ndata: second line\n\n',
      ),
    ).toBe(true);
    expect(body).toContain('id: 3\nevent: tick\ndata: tick 3\ndata: second line\n\n');
  });

  it('resumes after the Last-Event-ID the client sends', async () => {
    const url = await started(startRaw);
    const { body } = await readRaw(`${url}/events`, hasEvents(1), { 'Last-Event-ID': '41' });
    expect(body).toContain('\nid: 42\nevent: tick\ndata: tick 42\n');
    expect(body).not.toContain('id: 1\n');
  });

  it('answers 404 off /events', async () => {
    const url = await started(startRaw);
    expect((await fetch(`${url}/`)).status).toBe(404);
  });

  it("is read by EventSource, which reconnects after the server's retry with Last-Event-ID", async () => {
    const server = createRawSseServer(TICK_MS);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    closers.push(() => new Promise<void>((done) => server.close(() => done())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
    const delaysMs: number[] = [];
    // Fake waits: record the delay asked for, run at once (no 3 s sleep in a test).
    const timers = {
      setTimeout: (callback: () => void, delayMs: number) => {
        delaysMs.push(delayMs);
        return setImmediate(callback);
      },
      clearTimeout: (handle: unknown) => clearImmediate(handle as NodeJS.Immediate),
    };
    const ids: string[] = [];
    const source = new EventSource(url, { timers, random: () => 0 });
    try {
      await new Promise<void>((done) => {
        source.addEventListener('tick', (event) => {
          ids.push(event.lastEventId);
          if (ids.length === 2) server.closeAllConnections(); // the network drops
          if (ids.length === 4) done();
        });
      });
    } finally {
      source.close();
      server.closeAllConnections();
    }
    expect(delaysMs).toContain(3000); // retry: 3000, plus a jitter of 0 (random: () => 0)
    expect(ids.slice(0, 2)).toEqual(['1', '2']);
    // The server counted on from the Last-Event-ID the client sent; no event was seen twice.
    expect(Number(ids[2])).toBeGreaterThan(2);
    expect(Number(ids[3])).toBe(Number(ids[2]) + 1);
  });
});

describe('examples/learn/read-events.ts', () => {
  it('reads the same events from the raw server, herald/server and the hub', async () => {
    const raw = await readTicks(`${await started(startRaw)}/events`, 2);
    expect(raw).toEqual(['1: tick 1\nsecond line', '2: tick 2\nsecond line']);
    const herald = await readTicks(`${await started(startHerald)}/events`, 2);
    expect(herald).toEqual(raw);
    const hub = await readTicks(`${await started(startHub)}/.well-known/mercure?topic=ticks`, 2);
    expect(hub).toHaveLength(2);
    for (const line of hub) expect(line).toMatch(/^urn:uuid:[0-9a-f-]{36}: tick \d+\nsecond line$/);
  });
});

describe('examples/learn/herald-sse-server.ts', () => {
  it('sends the hardened headers, retry first, and resumes after Last-Event-ID', async () => {
    const url = await started(startHerald);
    const { head, body } = await readRaw(`${url}/events`, hasEvents(1), { 'Last-Event-ID': '7' });
    expect(head).toContain('\ncache-control: no-cache, no-store, no-transform\n');
    expect(head).toContain('\nx-accel-buffering: no\n');
    expect(body.startsWith('retry: 3000\nevent: tick\nid: 8\ndata: tick 8\ndata: second line\n\n')).toBe(
      true,
    );
  });
});

describe('examples/learn/hub-sse-server.ts', () => {
  it('replays what a reconnecting subscriber missed, from its Last-Event-ID', async () => {
    const url = `${await started(startHub)}/.well-known/mercure?topic=ticks`;
    const first = await readRaw(url, hasEvents(3));
    const ids = [...first.body.matchAll(/^id: (.+)$/gm)].map((match) => match[1]!);
    const ticks = [...first.body.matchAll(/^data: tick (\d+)$/gm)].map((match) => Number(match[1]));
    expect(ticks[1]).toBe(ticks[0]! + 1);
    // Come back from the first event: the hub sends the second and third from its history.
    const again = await readRaw(url, hasEvents(2), { 'Last-Event-ID': ids[0]! });
    const replayed = [...again.body.matchAll(/^id: (.+)$/gm)].map((match) => match[1]);
    expect(replayed.slice(0, 2)).toEqual(ids.slice(1, 3));
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { heartbeatMemberCount } from '../../src/server/heartbeat-registry.js';
import { createNodeSseStream, type SseStream } from '../../src/server/index.js';
import {
  ManualTimers,
  nextTurn,
  openSse,
  type SseClient,
  startServer,
  type TestServer,
  waitFor,
} from './support.js';

let host: TestServer | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function serve(timers: ManualTimers, heartbeatMs: number) {
  const streams: SseStream[] = [];
  host = await startServer((req, res) => {
    streams.push(createNodeSseStream(req, res, { timers, heartbeatMs }));
  });
  return { url: `${host.url}/events`, streams };
}

const heartbeats = (client: SseClient) => client.comments.filter((text) => text === ' heartbeat').length;

/** Lets the batcher write and the client read what the last timer step produced. */
async function settle(client: SseClient, expectedHeartbeats: number): Promise<void> {
  await nextTurn();
  await waitFor(() => heartbeats(client) >= expectedHeartbeats, `${expectedHeartbeats} heartbeats`);
  // Give a wrong extra heartbeat the chance to show up too.
  await nextTurn();
}

describe('heartbeat', () => {
  it('writes a heartbeat comment once a stream has been idle for the interval, not before', async () => {
    const timers = new ManualTimers();
    const { url } = await serve(timers, 1000);
    const client = await openSse(url);
    timers.advance(999);
    await settle(client, 0);
    expect(heartbeats(client)).toBe(0);
    timers.advance(1);
    await settle(client, 1);
    expect(heartbeats(client)).toBe(1);
    timers.advance(1000);
    await settle(client, 2);
    expect(heartbeats(client)).toBe(2);
    client.close();
  });

  it('is postponed by activity', async () => {
    const timers = new ManualTimers();
    const { url, streams } = await serve(timers, 1000);
    const client = await openSse(url);
    for (let i = 0; i < 5; i++) {
      timers.advance(500);
      streams[0]!.send({ data: String(i) });
      await client.waitForEvents(i + 1);
    }
    expect(heartbeats(client)).toBe(0);
    timers.advance(1000);
    await settle(client, 1);
    expect(heartbeats(client)).toBe(1);
    client.close();
  });

  it('runs one timer for all streams and stops it when the last stream closes', async () => {
    const timers = new ManualTimers();
    const { url, streams } = await serve(timers, 1000);
    const clients = await Promise.all(Array.from({ length: 20 }, () => openSse(url)));
    expect(timers.pending.size).toBe(1);
    expect(heartbeatMemberCount(timers)).toBe(20);
    timers.advance(1000);
    for (const client of clients) await settle(client, 1);
    for (const client of clients) client.close();
    await waitFor(() => streams.every((stream) => stream.isClosed), 'all streams closed');
    expect(heartbeatMemberCount(timers)).toBe(0);
    expect(timers.pending.size).toBe(0);
  });

  it('registers nothing when disabled with heartbeatMs: 0', async () => {
    const timers = new ManualTimers();
    const { url } = await serve(timers, 0);
    const client = await openSse(url);
    expect(timers.pending.size).toBe(0);
    expect(heartbeatMemberCount(timers)).toBe(0);
    client.close();
  });
});

describe('heartbeat default', () => {
  it('defaults to 15 s of idle time', async () => {
    const timers = new ManualTimers();
    const streams: SseStream[] = [];
    host = await startServer((req, res) => {
      streams.push(createNodeSseStream(req, res, { timers }));
    });
    const client = await openSse(`${host.url}/events`);
    timers.advance(14_999);
    await settle(client, 0);
    expect(heartbeats(client)).toBe(0);
    timers.advance(1);
    await settle(client, 1);
    expect(heartbeats(client)).toBe(1);
    client.close();
  });
});

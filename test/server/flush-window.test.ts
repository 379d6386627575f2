import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub, type HeraldHub } from '../../src/http/index.js';
import { nextTurn, openSse, startServer, type TestServer } from './support.js';

let host: TestServer | undefined;
let herald: HeraldHub | undefined;
afterEach(async () => {
  await host?.close();
  await herald?.close();
  host = undefined;
  herald = undefined;
});

/** A hub whose SSE sockets count their writes once the stream is open. */
async function startHub(flushDelayMs: number) {
  herald = await createHub({ allowAnonymous: true, heartbeatMs: 0, flushDelayMs });
  const sockets: Socket[] = [];
  const hub = herald;
  host = await startServer((req, res) => {
    sockets.push(res.socket!);
    hub.handleNode(req, res);
  });
  const client = await openSse(`${host.url}/.well-known/mercure?topic=news`);
  const socket = sockets[0]!;
  // A write of one buffer reaches `_write`, of several `_writev`: each is one system call.
  let writes = 0;
  const writev = socket._writev!.bind(socket);
  socket._writev = (chunks, callback) => {
    writes++;
    writev(chunks, callback);
  };
  const write = socket._write.bind(socket);
  socket._write = (chunk, encoding, callback) => {
    writes++;
    write(chunk, encoding, callback);
  };
  return { hub, client, writes: () => writes };
}

describe('the SSE flush window (flushDelayMs)', () => {
  it('without a window, events published in different turns are written separately', async () => {
    const { hub, client, writes } = await startHub(0);
    await hub.publish({ topics: ['news'], data: 'one' });
    await nextTurn();
    await hub.publish({ topics: ['news'], data: 'two' });
    const events = await client.waitForEvents(2);
    expect(events.map((event) => event.data)).toEqual(['one', 'two']);
    expect(writes()).toBe(2);
    client.close();
  });

  it('with a window, events published in different turns within it share one write, in order', async () => {
    // A window far longer than the two publishes take: the test asserts coalescing, not timing.
    const { hub, client, writes } = await startHub(400);
    await hub.publish({ topics: ['news'], data: 'one' });
    await nextTurn();
    await hub.publish({ topics: ['news'], data: 'two' });
    const events = await client.waitForEvents(2);
    expect(events.map((event) => event.data)).toEqual(['one', 'two']);
    expect(writes()).toBe(1);
    client.close();
  });
});

import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub, createHubServer, type HeraldHub, type HubServer } from '../../src/http/index.js';
import { listenOnLoopback } from '../support/listen.js';
import { suiteCertificate } from '../support/tls.js';
import { SECRET, waitForSubscribers } from './helpers.js';

// `herald serve` runs the hub with `takeOverConnections`: its HTTP/1.1 event streams leave node:http
// once their head is out. `createHubServer` must still end them when a shutdown's grace is over,
// and the connection caps must see them end.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const certificate = suiteCertificate('herald-takeover-');

async function serve(secure: boolean, maxConnections = 100) {
  const herald: HeraldHub = await createHub({
    store: 'memory',
    jwt: { key: { type: 'hmac', secret: SECRET } },
    allowAnonymous: true,
    takeOverConnections: true,
    maxConnections,
  });
  const hubServer: HubServer = createHubServer(herald, secure ? certificate() : undefined);
  const port = await listenOnLoopback(hubServer.server);
  cleanups.push(async () => {
    await herald.close();
    hubServer.closeAllConnections();
    await new Promise((resolve) => hubServer.server.close(resolve));
  });
  return { herald, hubServer, port };
}

/** A subscription on a raw connection: what the hub sent, and a promise of its closing. */
function rawSubscribe(port: number, secure: boolean, topic: string) {
  const request = `GET /.well-known/mercure?topic=${encodeURIComponent(topic)} HTTP/1.1\r\nHost: hub.test\r\n\r\n`;
  const socket: Socket = secure
    ? connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
    : connect(port, '127.0.0.1');
  cleanups.push(() => void socket.destroy());
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  const closed = once(socket, 'close');
  socket.once(secure ? 'secureConnect' : 'connect', () => socket.write(request));
  return { socket, closed, text: () => Buffer.concat(chunks).toString('latin1') };
}

async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe.each([
  { secure: false, name: 'plain HTTP/1.1' },
  { secure: true, name: 'HTTP/1.1 over TLS' },
])('a hub whose streams take their connection over ($name)', ({ secure }) => {
  it('delivers, and closeAllConnections() ends the taken-over streams', async () => {
    const { herald, hubServer, port } = await serve(secure);
    const subscriber = rawSubscribe(port, secure, 'https://example.com/a');
    await waitForSubscribers(herald, 1);
    // The fence: an event published after the stream opened (and after its take-over) arrives.
    await herald.hub.publish({ topics: ['https://example.com/a'], data: 'fence' });
    await waitUntil(() => subscriber.text().includes('data: fence'), 'the event');
    hubServer.closeAllConnections();
    await subscriber.closed;
    await waitUntil(() => herald.hub.subscribers.size === 0, 'the subscriber to go');
  });

  it('gives the connection slot back when a client leaves', async () => {
    const { herald, port } = await serve(secure, 1);
    const first = rawSubscribe(port, secure, 'https://example.com/a');
    await waitForSubscribers(herald, 1);
    await herald.hub.publish({ topics: ['https://example.com/a'], data: 'one' });
    await waitUntil(() => first.text().includes('data: one'), 'the first event');
    first.socket.destroy();
    await waitUntil(() => herald.hub.subscribers.size === 0, 'the first subscriber to go');
    const second = rawSubscribe(port, secure, 'https://example.com/a');
    await waitForSubscribers(herald, 1);
    await herald.hub.publish({ topics: ['https://example.com/a'], data: 'two' });
    await waitUntil(() => second.text().includes('data: two'), 'the second event');
    expect(second.text()).toMatch(/^HTTP\/1\.1 200 /);
  });
});

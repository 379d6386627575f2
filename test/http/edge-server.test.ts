import { type ClientHttp2Session, connect as connectHttp2 } from 'node:http2';
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CreateHubOptions,
  createAdminServer,
  createHub,
  createHubServer,
  type HeraldHub,
  type HubServerOptions,
} from '../../src/http/index.js';
import { closeServer, listenOnLoopback } from '../support/listen.js';
import { suiteCertificate } from '../support/tls.js';
import { legacyToken, publish, SECRET, subscribe, waitForSubscribers } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const certificate = suiteCertificate('herald-edge-');

interface Served {
  herald: HeraldHub;
  port: number;
  url: string;
}

/** A hub on the memory store behind `createHubServer` (TLS when `secure`), on a loopback port. */
async function serve(
  options: CreateHubOptions = {},
  serverOptions: HubServerOptions & { secure?: boolean } = {},
): Promise<Served> {
  const herald = await createHub({
    store: 'memory',
    jwt: { key: { type: 'hmac', secret: SECRET } },
    allowAnonymous: true,
    ...options,
  });
  const hubServer = createHubServer(
    herald,
    serverOptions.secure === true ? certificate() : undefined,
    serverOptions,
  );
  const port = await listenOnLoopback(hubServer.server);
  cleanups.push(async () => {
    await herald.close();
    hubServer.closeAllConnections();
    await new Promise((resolve) => hubServer.server.close(resolve));
  });
  return { herald, port, url: `http://127.0.0.1:${port}` };
}

/** A raw connection, its first `text`, and everything the server sent until it closed. */
interface Raw {
  socket: Socket;
  reply: Promise<string>;
}

function collect(socket: Socket): Promise<string> {
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', () => {});
  });
}

function raw(port: number, text: string): Raw {
  const socket = connect(port, '127.0.0.1');
  cleanups.push(() => void socket.destroy());
  const reply = collect(socket);
  socket.write(text);
  return { socket, reply };
}

/** HTTP/1.1 over TLS (ALPN `http/1.1`), writing `text` once the handshake is done. */
function rawTls(port: number, text: string): Raw {
  const socket = connectTls({
    port,
    host: '127.0.0.1',
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
  });
  cleanups.push(() => void socket.destroy());
  const reply = collect(socket);
  socket.once('secureConnect', () => socket.write(text));
  return { socket, reply };
}

/** An HTTP/2 session over TLS that sends no request; resolves once the server settled it. */
async function idleHttp2(port: number): Promise<{ session: ClientHttp2Session; closed: Promise<void> }> {
  const session = connectHttp2(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
  session.on('error', () => {});
  cleanups.push(() => void session.destroy());
  const closed = new Promise<void>((resolve) => session.once('close', resolve));
  // The server's SETTINGS arrive once it made its session (and counted it).
  await Promise.race([new Promise((resolve) => session.once('remoteSettings', resolve)), closed]);
  return { session, closed };
}

/** One GET on an HTTP/2 session: its status. */
function http2Get(session: ClientHttp2Session, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    stream.on('response', (headers) => resolve(Number(headers[':status'])));
    stream.on('error', reject);
    stream.resume();
  });
}

const statusOf = (reply: string) => Number(reply.slice(9, 12));
const bodyOf = (reply: string) => reply.slice(reply.indexOf('\r\n\r\n') + 4);
const HALF_HEADERS = 'GET /.well-known/mercure?topic=x HTTP/1.1\r\nHost: a\r\nx-slow: 1';
const COMPLETE = 'GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';

/** Opens `count` connections that send half their headers; resolves once the server saw each. */
async function holdSlots(port: number, count: number): Promise<Raw[]> {
  const held = Array.from({ length: count }, () => raw(port, HALF_HEADERS));
  // The server counts a connection when it accepts it: a complete request after them is accepted
  // later (one listening socket, accepted in order), so its answer says the others were counted.
  await raw(port, COMPLETE).reply;
  return held;
}

describe('the hub server answers what it cannot serve', () => {
  it('a garbage request line: 400 with a reason in the body', async () => {
    const { port } = await serve();
    const reply = await raw(port, 'HELLO THERE\r\n\r\n').reply;
    expect(statusOf(reply)).toBe(400);
    expect(bodyOf(reply)).toMatch(/^bad request: .*malformed\n$/);
  });

  it('a 100 KB header: 431 with a reason', async () => {
    const { port } = await serve();
    const reply = await raw(port, `GET /healthz HTTP/1.1\r\nHost: a\r\nx-big: ${'b'.repeat(100_000)}\r\n\r\n`)
      .reply;
    expect(statusOf(reply)).toBe(431);
    expect(bodyOf(reply)).toMatch(/headers are larger than the limit/);
  });

  it('a 100 KB URL: 414 with a reason', async () => {
    const { port } = await serve();
    const reply = await raw(port, `GET /.well-known/mercure?topic=${'a'.repeat(100_000)} HTTP/1.1\r\n\r\n`)
      .reply;
    expect(statusOf(reply)).toBe(414);
    expect(bodyOf(reply)).toMatch(/QUERY body\n$/);
  });

  it('headers that do not arrive within the headers timeout: 408', async () => {
    const { port } = await serve({}, { headersTimeoutMs: 200 });
    const reply = await raw(port, HALF_HEADERS).reply;
    expect(statusOf(reply)).toBe(408);
    expect(bodyOf(reply)).toMatch(/did not arrive in time\n$/);
  });

  it('HTTP/1.1 over TLS: a garbage request line gets 400', async () => {
    const { port } = await serve({}, { secure: true });
    const reply = await rawTls(port, 'HELLO THERE\r\n\r\n').reply;
    expect(statusOf(reply)).toBe(400);
    expect(bodyOf(reply)).toMatch(/malformed\n$/);
  });

  it('the admin server: a garbage request line gets 400', async () => {
    const herald = await createHub({ store: 'memory', jwt: { key: { type: 'hmac', secret: SECRET } } });
    const admin = createAdminServer(herald);
    const port = await listenOnLoopback(admin);
    cleanups.push(async () => {
      await herald.close();
      await closeServer(admin);
    });
    const reply = await raw(port, 'HELLO THERE\r\n\r\n').reply;
    expect(statusOf(reply)).toBe(400);
    expect(bodyOf(reply)).toMatch(/malformed\n$/);
    expect(statusOf(await raw(port, COMPLETE).reply)).toBe(200);
  });
});

describe('unfinished connections count against the connection caps', () => {
  it('past maxConnectionsPerIp the next connection gets 429, and a freed slot serves a new one', async () => {
    const { port } = await serve({ maxConnectionsPerIp: 5 });
    const held = await holdSlots(port, 5);
    const refused = await raw(port, COMPLETE).reply;
    expect(statusOf(refused)).toBe(429);
    expect(refused).toMatch(/retry-after: 5/);
    expect(bodyOf(refused)).toBe('too many connections from this address are still sending their headers\n');
    // The client gives up on one: the server answers its cut request and gives its slot back.
    held[0]!.socket.end();
    await held[0]!.reply;
    const served = await raw(port, COMPLETE).reply;
    expect(statusOf(served)).toBe(200);
  });

  it('count against maxConnections, whatever the address', async () => {
    const { port } = await serve({ maxConnections: 3 });
    await holdSlots(port, 3);
    const refused = await raw(port, COMPLETE).reply;
    expect(statusOf(refused)).toBe(429);
    expect(bodyOf(refused)).toBe('the hub has too many connections still sending their headers\n');
  });

  it('count over TLS too (HTTP/1.1 by ALPN)', async () => {
    const { port } = await serve({ maxConnectionsPerIp: 2 }, { secure: true });
    const held = [rawTls(port, HALF_HEADERS), rawTls(port, HALF_HEADERS)];
    // Counted once the handshake is done: the third waits for the first two to be in.
    await Promise.all(
      held.map(({ socket }) => new Promise((resolve) => socket.once('secureConnect', resolve))),
    );
    let reply = '';
    for (let i = 0; i < 100 && statusOf(reply) !== 429; i++) reply = await rawTls(port, COMPLETE).reply;
    expect(statusOf(reply)).toBe(429);
  });

  it('count HTTP/2 sessions until their first request, closing one past the cap or the timeout', async () => {
    const { port } = await serve({ maxConnectionsPerIp: 2 }, { secure: true, headersTimeoutMs: 60_000 });
    const first = await idleHttp2(port);
    const second = await idleHttp2(port);
    // The third is over the per-address cap: the server closes its session.
    await (await idleHttp2(port)).closed;
    // A request on the first settles its slot: a new session is served.
    expect(await http2Get(first.session, '/healthz')).toBe(200);
    const fourth = await idleHttp2(port);
    expect(await http2Get(fourth.session, '/healthz')).toBe(200);
    expect([first.session.closed, second.session.closed, fourth.session.closed]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('closes an HTTP/2 session that sends no request within the headers timeout', async () => {
    const { port } = await serve({}, { secure: true, headersTimeoutMs: 200 });
    const idle = await idleHttp2(port);
    await idle.closed;
    expect(idle.session.closed || idle.session.destroyed).toBe(true);
  });

  it('a reload that trusts the proxy stops counting its connections', async () => {
    const { herald, port } = await serve({ maxConnectionsPerIp: 2 });
    await holdSlots(port, 2);
    expect(statusOf(await raw(port, COMPLETE).reply)).toBe(429);
    herald.reconfigure({ options: { trustProxy: ['loopback'] } });
    await holdSlots(port, 3);
    expect(statusOf(await raw(port, COMPLETE).reply)).toBe(200);
  });

  it('apart from subscriptions: at its subscription cap a client still publishes, and SSE still works', async () => {
    const { herald, url, port } = await serve({ maxConnectionsPerIp: 1 });
    const stream = await subscribe(url, 'topic=https://x/t');
    cleanups.push(() => stream.close());
    await waitForSubscribers(herald, 1);
    expect((await subscribe(url, 'topic=https://x/t')).response.status).toBe(429);
    // A new connection (the stream holds the other), counted as unfinished until its headers are in.
    const published = await publish(url, await legacyToken({ publish: ['*'] }), [
      ['topic', 'https://x/t'],
      ['data', 'hello'],
    ]);
    expect(published.status).toBe(200);
    const [event] = await stream.waitFor(1);
    expect(event?.data).toBe('hello');
    // One unfinished connection holds the address's unfinished slot: the next is refused.
    await holdSlots(port, 1);
    const refused = await raw(port, COMPLETE).reply;
    expect(statusOf(refused)).toBe(429);
    expect(bodyOf(refused)).toBe('too many connections from this address are still sending their headers\n');
  });
});

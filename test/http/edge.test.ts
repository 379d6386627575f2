import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { clientErrorStatus, DEFAULT_HEADERS_TIMEOUT_MS, guardEdge } from '../../src/http/edge.js';
import { ConnectionLimiter } from '../../src/http/limits.js';

/** Timers that fire only when the test advances its clock. */
function fakeTime() {
  let now = 0;
  const due = new Map<number, { atMs: number; callback: () => void }>();
  let next = 0;
  return {
    nowMs: () => now,
    timers: {
      setTimeout(callback: () => void, delayMs: number) {
        due.set(++next, { atMs: now + delayMs, callback });
        return next;
      },
      clearTimeout(handle: unknown) {
        due.delete(handle as number);
      },
    },
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const first = [...due.entries()].sort((a, b) => a[1].atMs - b[1].atMs)[0];
        if (first === undefined || first[1].atMs > until) break;
        due.delete(first[0]);
        now = first[1].atMs;
        first[1].callback();
      }
      now = until;
    },
  };
}

let server: Server | undefined;
let stopGuard: (() => void) | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  stopGuard?.();
  for (const socket of sockets.splice(0)) socket.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function start(options: Parameters<typeof guardEdge>[1] = {}): Promise<number> {
  server = createServer((_req, res) => res.end('ok\n'));
  stopGuard = guardEdge(server, options);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** Opens a socket, writes `text`, resolves with everything the server sent until it closed. */
function exchange(port: number, text: string | Buffer): { socket: Socket; reply: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  const chunks: Buffer[] = [];
  const reply = new Promise<string>((resolve) => {
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', () => {});
  });
  socket.write(text);
  return { socket, reply };
}

const statusOf = (reply: string) => Number(reply.slice(9, 12));

describe('the HTTP edge answers what it cannot serve', () => {
  it('a garbage request line: 400 with a reason', async () => {
    const port = await start();
    const reply = await exchange(port, 'HELLO THERE\r\n\r\n').reply;
    expect(statusOf(reply)).toBe(400);
    expect(reply).toMatch(/connection: close/);
    expect(reply).toMatch(/malformed\n$/);
  });

  it('a 100 KB request target: 414', async () => {
    const port = await start();
    const reply = await exchange(
      port,
      `GET /.well-known/mercure?topic=${'a'.repeat(100_000)} HTTP/1.1\r\n\r\n`,
    ).reply;
    expect(statusOf(reply)).toBe(414);
    expect(reply).toMatch(/QUERY body\n$/);
  });

  it('a 100 KB header: 431', async () => {
    const port = await start();
    const request = `GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'b'.repeat(100_000)}\r\n\r\n`;
    const reply = await exchange(port, request).reply;
    expect(statusOf(reply)).toBe(431);
  });

  it('a well-formed request still gets its answer', async () => {
    const port = await start();
    const reply = await exchange(port, 'GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n').reply;
    expect(statusOf(reply)).toBe(200);
    expect(reply.endsWith('ok\n')).toBe(true);
  });

  it('maps parser errors to statuses, and a reset connection to none', () => {
    const error = (code: string, rawPacket?: Buffer) => Object.assign(new Error(code), { code, rawPacket });
    expect(clientErrorStatus(error('HPE_INVALID_METHOD'))).toBe(400);
    expect(clientErrorStatus(error('HPE_HEADER_OVERFLOW', Buffer.from('GET /aaaa')))).toBe(414);
    expect(clientErrorStatus(error('HPE_HEADER_OVERFLOW', Buffer.from('GET / HTTP/1.1\r\nx: y')))).toBe(431);
    expect(clientErrorStatus(error('ERR_HTTP_REQUEST_TIMEOUT'))).toBe(408);
    expect(clientErrorStatus(error('ECONNRESET'))).toBeUndefined();
  });
});

describe('slowloris: connections that never finish their headers', () => {
  it('count against the per-address cap (429 past it) and get 408 once the headers timeout passes', async () => {
    const time = fakeTime();
    const limiter = new ConnectionLimiter({ maxConnections: 10_000, maxConnectionsPerIp: 256 });
    const port = await start({
      acquire: (address) => limiter.acquire(address),
      timers: time.timers,
      nowMs: time.nowMs,
    });
    // 2,000 sockets from one address, each sending a request line and never the end of its headers.
    const slow = Array.from({ length: 2000 }, () => exchange(port, 'GET /healthz HTTP/1.1\r\nx-slow: 1'));
    const replies: string[] = [];
    for (const { reply } of slow) void reply.then((text) => replies.push(text));
    // Past the cap each is answered at once; the first 256 are held (their slots taken).
    for (let i = 0; i < 1000 && replies.length < 2000 - 256; i++) await new Promise((r) => setTimeout(r, 5));
    expect(replies).toHaveLength(2000 - 256);
    expect(replies.every((reply) => statusOf(reply) === 429)).toBe(true);
    expect(replies[0]).toMatch(/retry-after: 5/);
    expect(limiter.total).toBe(256);
    time.advance(DEFAULT_HEADERS_TIMEOUT_MS - 1_000);
    expect(limiter.total).toBe(256);
    time.advance(2_000);
    await Promise.all(slow.map((s) => s.reply));
    expect(replies.slice(2000 - 256).every((reply) => statusOf(reply) === 408)).toBe(true);
    expect(limiter.total).toBe(0);
    // The address is free again: a real request gets its answer.
    const reply = await exchange(port, 'GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n').reply;
    expect(statusOf(reply)).toBe(200);
  });

  it('a connection that finished its headers gives its slot back', async () => {
    const limiter = new ConnectionLimiter({ maxConnections: 10, maxConnectionsPerIp: 1 });
    const port = await start({ acquire: (address) => limiter.acquire(address) });
    for (let i = 0; i < 3; i++) {
      const reply = await exchange(port, 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n').reply;
      expect(statusOf(reply)).toBe(200);
    }
    expect(limiter.total).toBe(0);
  });
});

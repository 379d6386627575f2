/**
 * Each example in examples/ runs as its own process, as a user would start it: it must print its
 * URL, serve a real event stream at /.well-known/mercure, deliver what its `POST /notify` route
 * publishes from code and what a Mercure publisher POSTs to the hub with a JWT (which proves the
 * framework hands the request body to Herald untouched), then end the stream and exit 0 on SIGTERM.
 * Each also caps what `POST /notify` reads: 16 KiB, counted as it arrives, then 413.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { openEventStream } from '../support/event-stream.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TOPIC = 'https://example.com/notifications';
const PUBLISHER_SECRET = 'examples-test-publisher-secret-0123456789';
const START_TIMEOUT_MS = 20_000;
const EXIT_TIMEOUT_MS = 5_000;
/** The examples' `/notify` body cap. */
const MAX_NOTIFY_BYTES = 16 * 1024;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface RunningExample {
  child: ChildProcess;
  url: string;
  exited: Promise<Exit>;
  output: () => string;
}

const running = new Set<ChildProcess>();

/** Starts `examples/<name>.ts` on a port the OS picks; resolves with the URL it prints. */
async function startExample(name: string, env: Record<string, string> = {}): Promise<RunningExample> {
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HERALD_PUBLISHER_JWT_KEY: PUBLISHER_SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<Exit>((done) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      done({ code, signal });
    });
  });
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`${name}: no URL within ${START_TIMEOUT_MS} ms:\n${output}`)),
      START_TIMEOUT_MS,
    );
    const check = () => {
      const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      done(match[1]);
    };
    child.stdout?.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited early (code ${code}, signal ${signal}):\n${output}`));
    });
  });
  return { child, url, exited, output: () => output };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A 0.x Mercure publisher token for every topic. */
function publisherToken(): Promise<string> {
  return new SignJWT({ mercure: { publish: ['*'] } })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(PUBLISHER_SECRET));
}

/** `{"message": "xx…"}`, exactly `bytes` long. */
function notifyBody(bytes: number): string {
  return JSON.stringify({ message: 'x'.repeat(bytes - '{"message":""}'.length) });
}

/** POSTs `body` to `/notify` in 1 KiB chunks, without a Content-Length: only counting finds its size. */
function postChunked(url: string, body: string): Promise<Response> {
  const bytes = new TextEncoder().encode(body);
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 1024));
      offset += 1024;
    },
  });
  return fetch(`${url}/notify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
}

/** Opens `count` event streams at once, each with `headers`. */
function openStreams(url: string, count: number, headers: Record<string, string> = {}) {
  const target = `${url}/.well-known/mercure?topic=${encodeURIComponent(TOPIC)}`;
  return Promise.all(Array.from({ length: count }, () => openEventStream(target, { headers })));
}

afterEach(() => {
  // Whatever happened in the test, no example outlives it.
  for (const child of running) child.kill('SIGKILL');
});

describe.each(['node-http', 'express', 'fastify', 'hono', 'next-route'])('examples/%s.ts', (name) => {
  it('serves the hub, delivers what it publishes, and exits 0 on SIGTERM', async () => {
    const example = await startExample(name);
    const stream = await openEventStream(
      `${example.url}/.well-known/mercure?topic=${encodeURIComponent(TOPIC)}`,
    );
    try {
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);

      // The app's own route publishes from code.
      const notified = await fetch(`${example.url}/notify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: `hello from ${name}` }),
      });
      expect(notified.status).toBe(200);
      const { id } = (await notified.json()) as { id: string };
      const [fromApp] = await stream.waitFor(1);
      expect(fromApp).toEqual({
        id,
        event: undefined,
        data: JSON.stringify({ message: `hello from ${name}` }),
      });

      // A Mercure publisher POSTs a form to the hub through the framework.
      const published = await fetch(`${example.url}/.well-known/mercure`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await publisherToken()}` },
        body: new URLSearchParams({ topic: TOPIC, data: 'from a publisher', type: 'note' }),
      });
      expect(published.status).toBe(200);
      const publishedId = await published.text();
      const events = await stream.waitFor(2);
      expect(events[1]).toEqual({ id: publishedId, event: 'note', data: 'from a publisher' });

      // The hub's subpaths reach Herald too (its own answer, not the framework's 404).
      const subpath = await fetch(`${example.url}/.well-known/mercure/subscriptions`);
      expect(subpath.status).toBe(404);
      expect(await subpath.text()).toBe('the subscriptions API is disabled\n');

      // Bad input gets an answer, not a crash.
      const bad = await fetch(`${example.url}/notify`, { method: 'POST', body: 'not json' });
      expect(bad.status).toBe(400);
      const noMessage = await fetch(`${example.url}/notify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'hi' }),
      });
      expect(noMessage.status).toBe(400);
      expect(await noMessage.text()).toContain('"message"');

      example.child.kill('SIGTERM');
      await within(stream.ended, EXIT_TIMEOUT_MS, `${name}: the event stream ending on SIGTERM`);
      // The hub's goodbye: a reconnection hint before it closes the stream.
      expect(stream.retries.length).toBeGreaterThan(0);
      const exit = await within(example.exited, EXIT_TIMEOUT_MS, `${name}: exit after SIGTERM`);
      expect(exit, example.output()).toEqual({ code: 0, signal: null });
    } finally {
      stream.close();
    }
  });

  it('answers 413 to a /notify body over 16 KiB, with or without a Content-Length, and keeps serving', async () => {
    const example = await startExample(name);

    // A body whose Content-Length announces its size.
    const declared = await fetch(`${example.url}/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: notifyBody(64 * 1024),
    });
    expect(declared.status).toBe(413);
    expect(await declared.text()).toMatch(/too large|larger than/i);

    // Chunked, one byte over: only counting as it arrives finds out.
    const streamed = await postChunked(example.url, notifyBody(MAX_NOTIFY_BYTES + 1));
    expect(streamed.status).toBe(413);
    await streamed.text();

    // The process is still there and serving: a body of exactly the cap is published and delivered.
    expect(example.child.exitCode).toBeNull();
    const stream = await openEventStream(
      `${example.url}/.well-known/mercure?topic=${encodeURIComponent(TOPIC)}`,
    );
    try {
      expect(stream.response.status).toBe(200);
      const atCap = await postChunked(example.url, notifyBody(MAX_NOTIFY_BYTES));
      expect(atCap.status).toBe(200);
      const [event] = await stream.waitFor(1);
      expect(event?.data).toBe(notifyBody(MAX_NOTIFY_BYTES));
    } finally {
      stream.close();
    }
  });
});

// Route handlers never see the socket: the address comes from a proxy's header, or there is none.
describe('examples/next-route.ts: client addresses', () => {
  const PER_ADDRESS = 256; // the hub's default maxConnectionsPerIp

  it('without a trusted header, does not let one shared bucket cap every subscriber', async () => {
    const example = await startExample('next-route');
    const streams = await openStreams(example.url, PER_ADDRESS + 1);
    try {
      expect(streams.map((stream) => stream.response.status).filter((status) => status !== 200)).toEqual([]);
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it("with HERALD_CLIENT_ADDRESS_HEADER, caps each address, read from the proxy's (last) entry", async () => {
    const example = await startExample('next-route', { HERALD_CLIENT_ADDRESS_HEADER: 'X-Forwarded-For' });
    const streams = await openStreams(example.url, PER_ADDRESS, { 'x-forwarded-for': '203.0.113.7' });
    try {
      expect(streams.map((stream) => stream.response.status).filter((status) => status !== 200)).toEqual([]);
      // What a client writes before the proxy's entry does not make it another address.
      const spoofed = await openStreams(example.url, 1, { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' });
      streams.push(...spoofed);
      expect(spoofed[0]?.response.status).toBe(429);
      const other = await openStreams(example.url, 1, { 'x-forwarded-for': '203.0.113.7, 203.0.113.8' });
      streams.push(...other);
      expect(other[0]?.response.status).toBe(200);
    } finally {
      for (const stream of streams) stream.close();
    }
  });
});

// The examples of docs/learn, started by hand as their guides say: each prints its URL, answers
// on its path, and stops cleanly (exit 0) on SIGTERM. test/learn runs what they do in detail.
describe.each([
  ['learn/raw-sse-server', '/events', 200, 'text/event-stream'],
  ['learn/herald-sse-server', '/events', 200, 'text/event-stream'],
  ['learn/hub-sse-server', '/.well-known/mercure?topic=ticks', 200, 'text/event-stream'],
  ['learn/polling', '/poll?after=0', 200, 'application/json'],
  ['notifications', '/token?user=alice', 200, 'text/plain'],
  ['stock-ticker', '/prices', 200, 'application/json'],
  // Members only: without a token the hub answers 401.
  ['chat-reader', '/.well-known/mercure?topic=https://example.com/chat/lobby', 401, 'text/plain'],
] as const)('examples/%s.ts', (name, path, status, contentType) => {
  it(`answers ${path} with ${status} and exits 0 on SIGTERM`, async () => {
    const example = await startExample(name);
    const response = await fetch(`${example.url}${path}`);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type') ?? '').toContain(contentType);
    await response.body?.cancel();
    example.child.kill('SIGTERM');
    const exit = await within(example.exited, EXIT_TIMEOUT_MS, `${name}: exit after SIGTERM`);
    expect(exit, example.output()).toEqual({ code: 0, signal: null });
  });
});

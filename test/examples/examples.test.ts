/**
 * Each example in examples/ runs as its own process, as a user would start it: it must print its
 * URL, serve a real event stream at /.well-known/mercure, deliver what its `POST /notify` route
 * publishes from code and what a Mercure publisher POSTs to the hub with a JWT (which proves the
 * framework hands the request body to Herald untouched), then end the stream and exit 0 on SIGTERM.
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
async function startExample(name: string): Promise<RunningExample> {
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HERALD_PUBLISHER_JWT_KEY: PUBLISHER_SECRET },
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
});

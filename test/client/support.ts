import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach } from 'vitest';
import type { Timers } from '../../src/client/index.js';
import { listenOnLoopback } from '../support/listen.js';

export interface TestServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** A node:http server on a loopback port chosen by the OS; `close` also cuts open streams. */
export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export async function startServer(handler: Handler): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createServer(handler);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * For a test file whose tests each start one server: returns the function that starts it, and
 * closes the latest one after each test. Call once, at the top level of the file.
 */
export function serverPerTest(): (handler: Handler) => Promise<TestServer> {
  let current: TestServer | undefined;
  afterEach(() => current?.close());
  return async (handler) => {
    current = await startServer(handler);
    return current;
  };
}

/** Raw Last-Event-ID bytes of a request (node:http hands header values over as latin1). */
export function lastEventIdBytes(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? Buffer.from(value, 'latin1').toString('utf8') : undefined;
}

/**
 * A handler answering the n-th request with `bodies[n]` as a whole event stream (an empty one past
 * the end), and the Last-Event-ID of each request it received, in order.
 */
export function bodiesInTurn(bodies: readonly string[]): {
  handler: Handler;
  requests: Array<string | undefined>;
} {
  const requests: Array<string | undefined> = [];
  const handler: Handler = (request, response) => {
    requests.push(lastEventIdBytes(request.headers['last-event-id']));
    writeStreamHead(response);
    response.end(bodies[requests.length - 1] ?? '');
  };
  return { handler, requests };
}

interface PendingTimer {
  id: number;
  delayMs: number;
  callback: () => void;
}

/** Timers that never fire by themselves: the test reads the delays asked for and fires them. */
export class ManualTimers implements Timers {
  readonly pending: PendingTimer[] = [];
  #nextId = 1;

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.#nextId++;
    this.pending.push({ id, delayMs, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    const index = this.pending.findIndex((timer) => timer.id === handle);
    if (index !== -1) this.pending.splice(index, 1);
  }

  delays(): number[] {
    return this.pending.map((timer) => timer.delayMs);
  }

  /** Fires the timer that asked for `delayMs` (the only one, or the first). */
  fire(delayMs: number): void {
    const index = this.pending.findIndex((timer) => timer.delayMs === delayMs);
    if (index === -1) throw new Error(`no timer of ${delayMs} ms; pending: ${this.delays().join(', ')}`);
    const [timer] = this.pending.splice(index, 1);
    timer?.callback();
  }
}

/** Resolves with the next event of `type` dispatched by `target`. */
export function nextEvent<E extends Event = Event>(target: EventTarget, type: string): Promise<E> {
  return new Promise((resolve) =>
    target.addEventListener(type, (event) => resolve(event as E), { once: true }),
  );
}

/** Polls `predicate` on the event loop (bounded), for states reached through real I/O. */
export async function waitFor(predicate: () => boolean, what: string, attempts = 500): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Writes an event-stream response head. */
export function writeStreamHead(response: ServerResponse, contentType = 'text/event-stream'): void {
  response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
}

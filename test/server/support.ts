import { once } from 'node:events';
import {
  type ClientRequest,
  createServer,
  get,
  type IncomingMessage,
  type RequestListener,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Timers } from '../../src/server/index.js';
import { EventStreamParser, type ParsedEvent } from '../../src/sse/index.js';

export interface TestServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** A real node:http server on a loopback port chosen by the OS. */
export async function startServer(listener: RequestListener): Promise<TestServer> {
  const server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `predicate` until it holds; fails after a bounded number of attempts (about 5 s). */
export async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A client reading one event stream over HTTP/1.1: raw text, parsed events, comments, retry hints. */
export interface SseClient {
  response: IncomingMessage;
  request: ClientRequest;
  raw: () => string;
  events: ParsedEvent[];
  comments: string[];
  retries: number[];
  waitForEvents(count: number): Promise<ParsedEvent[]>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const request = get(url, { agent: false, headers: { accept: 'text/event-stream', ...headers } });
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  const events: ParsedEvent[] = [];
  const comments: string[] = [];
  const retries: number[] = [];
  const chunks: Buffer[] = [];
  const parser = new EventStreamParser({
    onEvent: (event) => events.push(event),
    onComment: (text) => comments.push(text),
    onRetry: (retryMs) => retries.push(retryMs),
  });
  response.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    parser.feed(chunk);
  });
  response.on('error', () => {});
  request.on('error', () => {});
  return {
    response,
    request,
    raw: () => Buffer.concat(chunks).toString('utf8'),
    events,
    comments,
    retries,
    async waitForEvents(count) {
      await waitFor(() => events.length >= count, `${count} events (have ${events.length})`);
      return events;
    },
    close() {
      request.destroy();
    },
  };
}

interface ManualTimeout {
  callback: () => void;
  atMs: number;
}

/** Hand-driven timers for the heartbeat registry: `advance(ms)` runs the timeouts that fall due, in order. */
export class ManualTimers implements Timers {
  nowMs = 0;
  readonly pending = new Set<ManualTimeout>();

  setTimeout(callback: () => void, delayMs: number): unknown {
    const timeout = { callback, atMs: this.nowMs + delayMs };
    this.pending.add(timeout);
    return timeout;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as ManualTimeout);
  }

  advance(ms: number): void {
    const endMs = this.nowMs + ms;
    for (;;) {
      let due: ManualTimeout | undefined;
      for (const timeout of this.pending) {
        if (timeout.atMs <= endMs && (due === undefined || timeout.atMs < due.atMs)) due = timeout;
      }
      if (due === undefined) break;
      this.pending.delete(due);
      this.nowMs = due.atMs;
      due.callback();
    }
    this.nowMs = endMs;
  }
}

/** Resolves after the shared flush batcher (setImmediate) has run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

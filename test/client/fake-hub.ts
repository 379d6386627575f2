import type { IncomingMessage, ServerResponse } from 'node:http';
import { startServer, type TestServer } from './support.js';

interface HubEvent {
  seq: number;
  type: string | undefined;
  data: string;
}

/**
 * A tiny stand-in for the hub: an in-memory log whose cursors are `e<seq>`, served as an event
 * stream (no `transport` parameter) or as the long-poll/short-poll JSON contract. Empty cursor =
 * the start of the log, so tests need no "subscribe before publish" dance.
 */
export class FakeHub {
  readonly log: HubEvent[] = [];
  readonly requests: Array<{ transport: string; cursor: string }> = [];
  /** Event streams currently open. */
  openStreams = 0;
  #waiters = new Set<() => void>();
  #server: TestServer | undefined;

  get url(): string {
    return `${this.#server!.url}/.well-known/mercure?topic=t`;
  }

  async start(): Promise<void> {
    this.#server = await startServer((request, response) => this.handle(request, response));
  }

  close(): Promise<void> {
    for (const wake of this.#waiters) wake();
    return this.#server?.close() ?? Promise.resolve();
  }

  publish(data: string, type?: string): void {
    this.log.push({ seq: this.log.length + 1, type, data });
    for (const wake of this.#waiters) wake();
  }

  /** Serves one request (public so that a page server can mount the hub on its own origin). */
  handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://hub');
    const header = request.headers['last-event-id'];
    const cursor = typeof header === 'string' ? header : (url.searchParams.get('lastEventID') ?? '');
    const transport = url.searchParams.get('transport') ?? 'sse';
    this.requests.push({ transport, cursor });
    const after = cursor === '' ? 0 : Number(cursor.slice(1));
    if (transport === 'sse') this.#stream(after, response);
    else this.#poll(after, transport, Number(url.searchParams.get('timeoutMs') ?? 25_000), response);
  }

  #stream(after: number, response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(':\n\n');
    let sent = after;
    const flush = () => {
      for (const event of this.log.slice(sent)) {
        response.write(
          `${event.type ? `event: ${event.type}\n` : ''}id: e${event.seq}\ndata: ${event.data}\n\n`,
        );
      }
      sent = this.log.length;
    };
    flush();
    this.#waiters.add(flush);
    this.openStreams += 1;
    response.on('close', () => {
      this.openStreams -= 1;
      this.#waiters.delete(flush);
    });
  }

  #poll(after: number, transport: string, timeoutMs: number, response: ServerResponse): void {
    const reply = () => {
      this.#waiters.delete(reply);
      clearTimeout(timer);
      const events = this.log.slice(after).map((event) => ({
        id: `e${event.seq}`,
        type: event.type,
        data: event.data,
        topics: ['t'],
        time: new Date().toISOString(),
      }));
      const lastEventId = `e${after + events.length}`;
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify({ events, lastEventId, serverTime: new Date().toISOString() }));
    };
    const timer = setTimeout(reply, transport === 'long-poll' && this.log.length <= after ? timeoutMs : 0);
    if (transport === 'long-poll') this.#waiters.add(reply);
  }
}

import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { type ConnectionErrorEvent, EventSource } from '../../src/client/index.js';
import { ManualTimers, nextEvent, serverPerTest, writeStreamHead } from './support.js';

const serve = serverPerTest();

describe('EventSource interface', () => {
  it('exposes the readyState constants on the class and on instances', () => {
    const source = new EventSource('http://127.0.0.1:9/');
    source.close();
    expect([EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED]).toEqual([0, 1, 2]);
    expect([source.CONNECTING, source.OPEN, source.CLOSED]).toEqual([0, 1, 2]);
    expect(source).toBeInstanceOf(EventTarget);
  });

  it('resolves the url and reports withCredentials', () => {
    const source = new EventSource(new URL('http://example.test/a/../events?x=1'), { withCredentials: true });
    source.close();
    expect(source.url).toBe('http://example.test/events?x=1');
    expect(source.withCredentials).toBe(true);
    expect(source.readyState).toBe(EventSource.CLOSED);
  });

  it('throws a SyntaxError DOMException for an invalid url', () => {
    expect(() => new EventSource('http://[')).toThrowError(expect.objectContaining({ name: 'SyntaxError' }));
  });
});

describe('announcing and failing the connection', () => {
  it('opens on 200 text/event-stream and sends Accept and Cache-Control', async () => {
    let headers: IncomingHttpHeaders = {};
    const server = await serve((request, response) => {
      headers = request.headers;
      writeStreamHead(response);
      response.write('data: hi\n\n');
    });
    const source = new EventSource(`${server.url}/`);
    const opened = nextEvent(source, 'open');
    expect(source.readyState).toBe(EventSource.CONNECTING);
    await opened;
    expect(source.readyState).toBe(EventSource.OPEN);
    const message = await nextEvent<MessageEvent>(source, 'message');
    source.close();
    expect(message).toBeInstanceOf(MessageEvent);
    expect(message.data).toBe('hi');
    expect(message.origin).toBe(server.url);
    expect(headers.accept).toBe('text/event-stream');
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['last-event-id']).toBeUndefined();
  });

  it.each(['text/event-stream;charset=utf-8', 'Text/Event-Stream', 'text/event-stream ; foo=bar'])(
    'accepts the MIME type %s (parameters ignored, case-insensitive)',
    async (contentType) => {
      const server = await serve((_request, response) => {
        writeStreamHead(response, contentType);
        response.write('data: ok\n\n');
      });
      const source = new EventSource(`${server.url}/`);
      const message = await nextEvent<MessageEvent>(source, 'message');
      source.close();
      expect(message.data).toBe('ok');
    },
  );

  it.each([
    { status: 204, contentType: 'text/event-stream', code: 'HTTP_STATUS' },
    { status: 500, contentType: 'text/event-stream', code: 'HTTP_STATUS' },
    { status: 301, contentType: 'text/event-stream', code: 'HTTP_STATUS' },
    { status: 200, contentType: 'text/plain', code: 'CONTENT_TYPE' },
    { status: 200, contentType: 'text/event-streams', code: 'CONTENT_TYPE' },
  ])('fails without retrying on $status $contentType', async ({ status, contentType, code }) => {
    let requests = 0;
    const server = await serve((_request, response) => {
      requests += 1;
      response.writeHead(status, { 'content-type': contentType });
      response.end(status === 204 ? undefined : 'data: no\n\n');
    });
    const timers = new ManualTimers();
    const source = new EventSource(`${server.url}/`, { timers });
    let messages = 0;
    let opens = 0;
    source.onmessage = () => messages++;
    source.onopen = () => opens++;
    const error = await nextEvent<ConnectionErrorEvent>(source, 'error');
    expect(source.readyState).toBe(EventSource.CLOSED);
    expect(error.code).toBe(code);
    expect(error.willReconnect).toBe(false);
    expect(timers.pending).toEqual([]);
    expect({ requests, messages, opens }).toEqual({ requests: 1, messages: 0, opens: 0 });
  });
});

describe('request options', () => {
  it('sends the headers option, and a function is called again for each connection', async () => {
    const seen: Array<string | undefined> = [];
    const server = await serve((request, response) => {
      seen.push(request.headers.authorization);
      writeStreamHead(response);
      response.end('data: x\n\n');
    });
    let token = 0;
    const timers = new ManualTimers();
    const source = new EventSource(`${server.url}/`, {
      timers,
      random: () => 0,
      headers: () => ({ authorization: `Bearer t${++token}` }),
    });
    await nextEvent(source, 'error');
    timers.fire(3000);
    await nextEvent(source, 'open');
    source.close();
    expect(seen).toEqual(['Bearer t1', 'Bearer t2']);
  });

  it('sends the lastEventId option as Last-Event-ID on the first request', async () => {
    let lastEventId: string | undefined;
    const server = await serve((request, response) => {
      lastEventId = request.headers['last-event-id'] as string | undefined;
      writeStreamHead(response);
      response.write('data: after\n\n');
    });
    const source = new EventSource(`${server.url}/`, { lastEventId: ' 41' });
    const message = await nextEvent<MessageEvent>(source, 'message');
    source.close();
    // HTTP drops the whitespace around a header value; the client keeps the id as given.
    expect(lastEventId).toBe('41');
    // The id carries into the stream's events until the stream sets another.
    expect(message.lastEventId).toBe(' 41');
  });

  it.each([
    [true, 'include'],
    [false, 'same-origin'],
  ])(
    'withCredentials %s sends credentials %s, with cache mode no-store',
    async (withCredentials, credentials) => {
      const inits: RequestInit[] = [];
      const fakeFetch: typeof fetch = async (_input, init) => {
        inits.push(init ?? {});
        return new Response(null, { status: 204 });
      };
      const source = new EventSource('http://hub.test/', { withCredentials, fetch: fakeFetch });
      await nextEvent(source, 'error');
      expect(inits[0]).toMatchObject({ credentials, cache: 'no-store', mode: 'cors' });
    },
  );

  it('uses an injected fetch', async () => {
    const urls: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      urls.push(String(input));
      return new Response('data: injected\n\n', { headers: { 'content-type': 'text/event-stream' } });
    };
    const source = new EventSource('http://hub.test/events', {
      fetch: fakeFetch,
      timers: new ManualTimers(),
    });
    const message = await nextEvent<MessageEvent>(source, 'message');
    source.close();
    expect(message.data).toBe('injected');
    expect(urls).toEqual(['http://hub.test/events']);
  });

  it('dispatches nothing after close(), even for bytes already received', async () => {
    const body = handedOutOnRequest('data: 1\n\ndata: 2\n\ndata: 3\n\n');
    const source = new EventSource('http://hub.test/', {
      fetch: async () => new Response(body.stream, { headers: { 'content-type': 'text/event-stream' } }),
      timers: new ManualTimers(),
    });
    const received: string[] = [];
    source.onmessage = (event) => {
      received.push((event as MessageEvent).data);
      source.close();
    };
    let errors = 0;
    source.onerror = () => errors++;
    // The fence: the client asks for more bytes (or gives the body up) only once it is done with
    // the chunk that holds all three events; a dispatch of 2 or 3 would have come before that.
    await body.doneWithChunk;
    expect(received).toEqual(['1']);
    expect(errors).toBe(0);
    expect(source.readyState).toBe(EventSource.CLOSED);
  });
});

/**
 * A response body of one chunk, handed out only when the client reads (high-water mark 0: no
 * read-ahead). `doneWithChunk` resolves when the client asks for the next read after it, or
 * cancels the body; the body then ends.
 */
function handedOutOnRequest(chunk: string): {
  stream: ReadableStream<Uint8Array>;
  doneWithChunk: Promise<void>;
} {
  let reads = 0;
  let markDone: () => void = () => {};
  const doneWithChunk = new Promise<void>((resolve) => {
    markDone = resolve;
  });
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        reads += 1;
        if (reads === 1) return controller.enqueue(new TextEncoder().encode(chunk));
        markDone();
        controller.close();
      },
      cancel: () => markDone(),
    },
    { highWaterMark: 0 },
  );
  return { stream, doneWithChunk };
}

describe('event handler attributes', () => {
  it('replaces the previous handler and null removes it', async () => {
    const fakeFetch: typeof fetch = async () =>
      new Response('data: a\n\n', { headers: { 'content-type': 'text/event-stream' } });
    const source = new EventSource('http://hub.test/', { fetch: fakeFetch, timers: new ManualTimers() });
    const calls: string[] = [];
    source.onmessage = () => calls.push('first');
    source.onmessage = () => calls.push('second');
    expect(typeof source.onmessage).toBe('function');
    await nextEvent(source, 'error');
    source.onmessage = null;
    expect(source.onmessage).toBeNull();
    source.close();
    expect(calls).toEqual(['second']);
  });
});

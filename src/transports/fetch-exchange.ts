import type { IncomingHttpHeaders } from 'node:http';
import { createFetchSseResponse, type SseStream, type SseStreamOptions } from '../server/index.js';
import type { Exchange } from './exchange.js';
import { readBodyWithin } from './read-body.js';

/** A Fetch exchange plus the response it settles on (an event stream settles before it ends). */
export interface FetchExchange extends Exchange {
  readonly response: Promise<Response>;
}

/**
 * Adapts a Fetch `Request`. Fetch hosts hide the socket, so the client address comes from the
 * caller (e.g. a proxy header it trusts, or the host's connection info).
 */
export function fetchExchange(request: Request, clientAddress = 'unknown'): FetchExchange {
  const url = new URL(request.url);
  let settle: (response: Response) => void = () => {};
  const response = new Promise<Response>((resolve) => {
    settle = resolve;
  });
  let hasResponded = false;
  let stream: SseStream | undefined;
  const settleOnce = (value: Response) => {
    if (hasResponded) throw new Error('the response has already started');
    hasResponded = true;
    settle(value);
  };
  return {
    method: request.method,
    target: `${url.pathname}${url.search}`,
    // Fetch forbids a `Host` request header: the authority is the URL's (what the client asked for).
    headers: { host: url.host, ...headersOf(request.headers) },
    clientAddress,
    response,
    readBody: (maxBytes) => readFetchBody(request.body, request.headers.get('content-length'), maxBytes),
    respond(status, headers, body) {
      // 204/304 and HEAD carry no body; Response refuses one for the null-body statuses.
      const hasBody = body !== undefined && status !== 204 && status !== 304;
      settleOnce(new Response(hasBody ? (body as BodyInit) : null, { status, headers }));
    },
    startEventStream(options: SseStreamOptions) {
      const started = createFetchSseResponse(request, options);
      stream = started.stream;
      settleOnce(started.response);
      return started.stream;
    },
    get hasResponded() {
      return hasResponded;
    },
    abort: () => stream?.close(),
    onClientGone(callback) {
      if (request.signal.aborted) callback();
      else request.signal.addEventListener('abort', callback, { once: true });
    },
  };
}

function headersOf(headers: Headers): IncomingHttpHeaders {
  const result: IncomingHttpHeaders = {};
  for (const [name, value] of headers) result[name] = value;
  return result;
}

function readFetchBody(
  body: ReadableStream<Uint8Array> | null,
  contentLength: string | null,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  if (body === null) return Promise.resolve(new Uint8Array(0));
  // Reading stops at the limit; cancelling tells the host the rest is not wanted.
  const reader = body.getReader();
  const chunks: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    },
  };
  return readBodyWithin(chunks, contentLength, maxBytes, () => reader.cancel());
}

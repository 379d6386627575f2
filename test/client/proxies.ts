/**
 * Middleboxes that misbehave between a client and the hub, the way some proxies and firewalls do.
 * They forward to the real hub; only what they do to the answers is fake.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { startServer, type TestServer } from './support.js';

/**
 * Forwards `request` to `upstream` (an origin) and hands the upstream response to `onResponse`.
 * The two sides live and die together, and every socket has an `error` listener: tests cut
 * connections on purpose (a closing client, a closing hub), and a reset that nobody listens for
 * surfaces as an uncaught `read ECONNRESET` after the test has passed.
 */
function forward(
  request: IncomingMessage,
  response: ServerResponse,
  upstream: string,
  onResponse: (upstreamResponse: IncomingMessage) => void,
): void {
  const forwarded = httpRequest(
    new URL(request.url ?? '/', upstream),
    // A socket of its own per request: no keep-alive pool outlives the test.
    { method: request.method, headers: request.headers, agent: false },
    (upstreamResponse) => {
      upstreamResponse.on('error', () => response.destroy());
      onResponse(upstreamResponse);
    },
  );
  // The hub went away (or reset the connection): so does the client's response.
  forwarded.on('error', () => response.destroy());
  // The client went away (closed its source, or the proxy closed): stop asking the hub, at once,
  // rather than leaving a request open at the hub for its teardown to reset.
  response.on('close', () => forwarded.destroy());
  request.pipe(forwarded);
}

/**
 * A proxy that buffers: it forwards each request and sends nothing back (not even the head) until
 * the upstream response has ended. An event stream never ends, so nothing of it ever arrives.
 */
export function startBufferingProxy(upstream: string): Promise<TestServer> {
  return startServer((request, response) =>
    forward(request, response, upstream, (upstreamResponse) => {
      const chunks: Buffer[] = [];
      upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
      upstreamResponse.on('end', () => {
        response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        response.end(Buffer.concat(chunks));
      });
    }),
  );
}

/**
 * A captive portal or firewall that answers the event-stream request (no `transport` parameter)
 * with a page of its own, `200 text/html`, and lets the polls through unchanged.
 */
export function startPortalProxy(upstream: string): Promise<TestServer> {
  return startServer((request, response) => {
    if (!request.url?.includes('transport=')) {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<p>blocked</p>');
      return;
    }
    forward(request, response, upstream, (upstreamResponse) => {
      response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
      upstreamResponse.pipe(response);
    });
  });
}

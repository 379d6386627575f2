// Run: npx tsx examples/node-http.ts (PORT overrides 3000). A Herald hub inside a plain node:http server.
/**
 * Subscribe: curl -N 'http://127.0.0.1:3000/.well-known/mercure?topic=https://example.com/notifications'
 * Publish:   curl -H 'content-type: application/json' -d '{"message":"hi"}' http://127.0.0.1:3000/notify
 *
 * Other Mercure publishers may POST to the hub itself with a JWT signed with HERALD_PUBLISHER_JWT_KEY
 * (an HMAC secret); without that variable every publisher token is refused, and only the app's
 * own code publishes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHub, HUB_PATH } from 'herald/hub';

const TOPIC = 'https://example.com/notifications';
const MAX_BODY_BYTES = 16 * 1024; // a notification is small: never buffer more than this
const publisherSecret = process.env['HERALD_PUBLISHER_JWT_KEY'];

const herald = await createHub({
  store: 'memory', // or 'sqlite:./herald.db' to keep history across restarts
  allowAnonymous: true, // subscribers without a token get public updates
  jwt: { publisherKey: publisherSecret ? { type: 'hmac', secret: publisherSecret } : undefined },
});

/**
 * Reads a JSON body, counting bytes as they arrive (a chunked body has no Content-Length): `TOO_LARGE`
 * past MAX_BODY_BYTES, `undefined` if it is not JSON. The rest of a body too large is read and
 * dropped rather than the socket destroyed, so that the 413 still reaches the client.
 */
const TOO_LARGE = Symbol('too large');
function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) resolve(TOO_LARGE);
      else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(undefined);
      }
    });
    req.on('error', reject);
  });
}

/** `POST /notify {"message": "..."}`: the app publishes from code, no token needed. */
async function notify(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = (await readJson(req)) as { message?: unknown } | typeof TOO_LARGE | undefined;
  if (body === TOO_LARGE) {
    res.writeHead(413, { 'content-type': 'text/plain' });
    res.end(`the request body is larger than ${MAX_BODY_BYTES} bytes\n`);
    return;
  }
  if (typeof body?.message !== 'string') {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('expected {"message": "..."}\n');
    return;
  }
  const event = await herald.publish({ topics: [TOPIC], data: JSON.stringify({ message: body.message }) });
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: event.id }));
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  // The hub owns its path and everything below it (subscriptions API, schedules).
  if (path === HUB_PATH || path.startsWith(`${HUB_PATH}/`)) return herald.handleNode(req, res);
  if (path === '/notify' && req.method === 'POST') {
    notify(req, res).catch(() => res.writeHead(500).end());
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
});

server.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

// Stop taking connections, end open event streams with a retry hint, close the store; then exit.
async function shutdown(): Promise<void> {
  server.close();
  await herald.close();
  server.closeAllConnections();
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());

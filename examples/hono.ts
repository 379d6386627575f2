// Run: npx tsx examples/hono.ts (PORT overrides 3000). A Herald hub in a Hono app on @hono/node-server.
/**
 * Subscribe: curl -N 'http://127.0.0.1:3000/.well-known/mercure?topic=https://example.com/notifications'
 * Publish:   curl -H 'content-type: application/json' -d '{"message":"hi"}' http://127.0.0.1:3000/notify
 *
 * Other Mercure publishers may POST to the hub itself with a JWT signed with HERALD_PUBLISHER_JWT_KEY
 * (an HMAC secret); without that variable every publisher token is refused.
 */
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createHub, HUB_PATH } from 'herald/hub';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';

const TOPIC = 'https://example.com/notifications';
const MAX_BODY_BYTES = 16 * 1024; // a notification is small: never buffer more than this
const publisherSecret = process.env['HERALD_PUBLISHER_JWT_KEY'];

const herald = await createHub({
  allowAnonymous: true, // subscribers without a token get public updates
  jwt: { publisherKey: publisherSecret ? { type: 'hmac', secret: publisherSecret } : undefined },
});

// Fetch hides the socket: pass the client's address, or every client shares one per-address limit.
// (Behind a reverse proxy the peer is the proxy: take the address from a header it sets instead.)
const toHerald = (c: Context) =>
  herald.handleFetch(c.req.raw, { clientAddress: getConnInfo(c).remote.address });

const app = new Hono();
app.all(HUB_PATH, toHerald);
app.all(`${HUB_PATH}/*`, toHerald);

// `bodyLimit` counts bytes as they arrive (a chunked body has no Content-Length) and stops at the cap.
const limit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.text(`the request body is larger than ${MAX_BODY_BYTES} bytes\n`, 413),
});

app.post('/notify', limit, async (c) => {
  const body = await c.req.json<{ message?: unknown }>().catch(() => undefined);
  const message = body?.message;
  if (typeof message !== 'string') return c.text('expected {"message": "..."}\n', 400);
  const event = await herald.publish({ topics: [TOPIC], data: JSON.stringify({ message }) });
  return c.json({ id: event.id });
});

const server = serve(
  { fetch: app.fetch, port: Number(process.env['PORT'] ?? 3000), hostname: '127.0.0.1' },
  (info) => console.log(`listening on http://127.0.0.1:${info.port}`),
);

// Stop taking connections, end open event streams with a retry hint, close the store; then exit.
async function shutdown(): Promise<void> {
  server.close();
  await herald.close();
  // Idle keep-alive connections would hold the process a few seconds more. (`serve` is typed for
  // HTTP/2 servers too, which lack the method: the check narrows to the HTTP/1.1 server it made.)
  if ('closeAllConnections' in server) server.closeAllConnections();
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());

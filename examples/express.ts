// Run: npx tsx examples/express.ts (PORT overrides 3000). A Herald hub mounted in an Express 5 app.
/**
 * Subscribe: curl -N 'http://127.0.0.1:3000/.well-known/mercure?topic=https://example.com/notifications'
 * Publish:   curl -H 'content-type: application/json' -d '{"message":"hi"}' http://127.0.0.1:3000/notify
 *
 * Other Mercure publishers may POST to the hub itself with a JWT signed with HERALD_PUBLISHER_JWT_KEY
 * (an HMAC secret); without that variable every publisher token is refused.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createHub, HUB_PATH } from 'herald/hub';

const TOPIC = 'https://example.com/notifications';
const publisherSecret = process.env['HERALD_PUBLISHER_JWT_KEY'];

const herald = await createHub({
  allowAnonymous: true, // subscribers without a token get public updates
  jwt: { publisherKey: publisherSecret ? { type: 'hmac', secret: publisherSecret } : undefined },
});

const app = express();
// A route, not `app.use`: `use` strips the mount path from `req.url`, and Herald routes on it. No
// body parser runs before it either: Herald reads (and size-limits) publish forms itself.
app.all([HUB_PATH, `${HUB_PATH}/*rest`], (req, res) => herald.handleNode(req, res));

// A notification is small: bodies over 16 KiB get 413 (express.json counts bytes as they arrive).
app.post('/notify', express.json({ limit: '16kb' }), async (req, res) => {
  const message: unknown = req.body?.message;
  if (typeof message !== 'string') {
    res.status(400).send('expected {"message": "..."}\n');
    return;
  }
  const event = await herald.publish({ topics: [TOPIC], data: JSON.stringify({ message }) });
  res.json({ id: event.id });
});

const server = app.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1', (error) => {
  if (error) throw error;
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

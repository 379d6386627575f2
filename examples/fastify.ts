// Run: npx tsx examples/fastify.ts (PORT overrides 3000). A Herald hub mounted in a Fastify 5 app.
/**
 * Subscribe: curl -N 'http://127.0.0.1:3000/.well-known/mercure?topic=https://example.com/notifications'
 * Publish:   curl -H 'content-type: application/json' -d '{"message":"hi"}' http://127.0.0.1:3000/notify
 *
 * Other Mercure publishers may POST to the hub itself with a JWT signed with HERALD_PUBLISHER_JWT_KEY
 * (an HMAC secret); without that variable every publisher token is refused.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { createHub, HUB_PATH } from 'herald/hub';

const TOPIC = 'https://example.com/notifications';
const publisherSecret = process.env['HERALD_PUBLISHER_JWT_KEY'];

const herald = await createHub({
  allowAnonymous: true, // subscribers without a token get public updates
  jwt: { publisherKey: publisherSecret ? { type: 'hmac', secret: publisherSecret } : undefined },
});

const app = Fastify();

function toHerald(request: FastifyRequest, reply: FastifyReply): void {
  reply.hijack(); // Herald writes the response itself: an event stream stays open for a long time
  herald.handleNode(request.raw, reply.raw);
}

// An encapsulated scope whose content-type parsers leave the body unread: Herald reads (and
// size-limits) publish forms itself, and Fastify would refuse form bodies with 415 anyway.
await app.register(async (hub) => {
  hub.removeAllContentTypeParsers();
  hub.addContentTypeParser('*', (_request, _payload, done) => done(null));
  hub.all(HUB_PATH, toHerald);
  hub.all(`${HUB_PATH}/*`, toHerald);
});

// A notification is small: bodies over 16 KiB get 413 (Fastify counts bytes as they arrive).
app.post<{ Body: { message?: unknown } }>('/notify', { bodyLimit: 16 * 1024 }, async (request, reply) => {
  const message = request.body?.message;
  if (typeof message !== 'string') return reply.code(400).send('expected {"message": "..."}\n');
  const event = await herald.publish({ topics: [TOPIC], data: JSON.stringify({ message }) });
  return { id: event.id };
});

const address = await app.listen({ port: Number(process.env['PORT'] ?? 3000), host: '127.0.0.1' });
console.log(`listening on ${address}`);

// End open event streams first (with a retry hint): Fastify's close waits for hijacked requests.
async function shutdown(): Promise<void> {
  await herald.close();
  await app.close();
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());

// Run: npx tsx examples/next-route.ts (PORT overrides 3000). Herald as Next.js App Router route handlers.
/**
 * In a Next app, `GET` and `POST` below are `app/.well-known/mercure/[[...path]]/route.ts` (the
 * optional catch-all also serves the hub's subpaths), and `notify` is the `POST` of
 * `app/notify/route.ts`. Run directly, the runner at the bottom serves them without Next.
 *
 * Subscribe: curl -N 'http://127.0.0.1:3000/.well-known/mercure?topic=https://example.com/notifications'
 * Publish:   curl -H 'content-type: application/json' -d '{"message":"hi"}' http://127.0.0.1:3000/notify
 * Other Mercure publishers may POST to the hub with a JWT signed with HERALD_PUBLISHER_JWT_KEY.
 */
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { createHub, type HeraldHub, HUB_PATH } from 'herald/hub';

const TOPIC = 'https://example.com/notifications';

// Never cache or prerender: every request is live. Herald needs Node APIs, not the edge runtime.
export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

// Next may evaluate this module more than once (dev reloads, one bundle per route): one hub per process.
const shared = globalThis as typeof globalThis & { herald?: Promise<HeraldHub> };
function hub(): Promise<HeraldHub> {
  const publisherSecret = process.env['HERALD_PUBLISHER_JWT_KEY'];
  shared.herald ??= createHub({
    allowAnonymous: true, // subscribers without a token get public updates
    jwt: { publisherKey: publisherSecret ? { type: 'hmac', secret: publisherSecret } : undefined },
  });
  return shared.herald;
}

export async function GET(request: Request): Promise<Response> {
  return (await hub()).handleFetch(request);
}

export async function POST(request: Request): Promise<Response> {
  return (await hub()).handleFetch(request);
}

/** `POST /notify {"message": "..."}`: the app publishes from code, no token needed. */
export async function notify(request: Request): Promise<Response> {
  const body = (await request.json().catch(() => undefined)) as { message?: unknown } | undefined;
  const message = body?.message;
  if (typeof message !== 'string') return new Response('expected {"message": "..."}\n', { status: 400 });
  const event = await (await hub()).publish({ topics: [TOPIC], data: JSON.stringify({ message }) });
  return Response.json({ id: event.id });
}

// The runner: only when this file is the entry point, never when a framework imports it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const route = (request: Request): Promise<Response> | Response => {
    const path = new URL(request.url).pathname;
    if (path === '/notify' && request.method === 'POST') return notify(request);
    if (path === HUB_PATH || path.startsWith(`${HUB_PATH}/`)) {
      if (request.method === 'GET') return GET(request);
      if (request.method === 'POST') return POST(request);
      return new Response(null, { status: 405, headers: { allow: 'GET, POST' } });
    }
    return new Response('not found\n', { status: 404 });
  };
  const server = serve(
    { fetch: route, port: Number(process.env['PORT'] ?? 3000), hostname: '127.0.0.1' },
    (info) => console.log(`listening on http://127.0.0.1:${info.port}`),
  );
  const shutdown = async (): Promise<void> => {
    server.close();
    await (await hub()).close();
    if ('closeAllConnections' in server) server.closeAllConnections(); // idle keep-alive ones
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

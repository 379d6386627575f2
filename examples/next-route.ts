// Run: npx tsx examples/next-route.ts (PORT overrides 3000). Herald as Next.js App Router route handlers.
/**
 * In a Next app, `GET` and `POST` below are `app/.well-known/mercure/[[...path]]/route.ts` (the
 * optional catch-all also serves the hub's subpaths), and `notify` is the `POST` of
 * `app/notify/route.ts`. Run directly, the runner at the bottom serves them without Next.
 *
 * Subscribe: curl -N 'http://127.0.0.1:3000/.well-known/mercure?topic=https://example.com/notifications'
 * Publish:   curl -H 'content-type: application/json' -d '{"message":"hi"}' http://127.0.0.1:3000/notify
 * Other Mercure publishers may POST to the hub with a JWT signed with HERALD_PUBLISHER_JWT_KEY.
 *
 * Route handlers never see the socket, so the hub cannot tell subscribers apart by address. Behind
 * a reverse proxy that every request passes through and that sets the header itself, name that
 * header in HERALD_CLIENT_ADDRESS_HEADER: e.g. `x-real-ip` (nginx: `proxy_set_header X-Real-IP
 * $remote_addr`), or `x-forwarded-for`, whose last entry is read (the one your proxy appended; a
 * client writes any before it). Only then: a client reaching the app directly picks its own address.
 */
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { createHub, type HeraldHub, HUB_PATH } from 'herald/hub';

const TOPIC = 'https://example.com/notifications';
const MAX_BODY_BYTES = 16 * 1024; // a notification is small: never buffer more than this
const clientAddressHeader = process.env['HERALD_CLIENT_ADDRESS_HEADER']?.toLowerCase();

// Never cache or prerender: every request is live. Herald needs Node APIs, not the edge runtime.
export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

// Next may evaluate this module more than once (dev reloads, one bundle per route): one hub per process.
const shared = globalThis as typeof globalThis & { herald?: Promise<HeraldHub> };
function hub(): Promise<HeraldHub> {
  const publisherSecret = process.env['HERALD_PUBLISHER_JWT_KEY'];
  shared.herald ??= createHub({
    allowAnonymous: true, // subscribers without a token get public updates
    // With no client address every subscriber shares one, and the per-address cap (256 open streams)
    // would become a cap on all of them: lift it, leaving the total cap (maxConnections, 10 000).
    maxConnectionsPerIp: clientAddressHeader ? undefined : Number.POSITIVE_INFINITY,
    jwt: { publisherKey: publisherSecret ? { type: 'hmac', secret: publisherSecret } : undefined },
  });
  return shared.herald;
}

/** The client's address from the trusted proxy's header; `undefined` without one. */
function clientAddress(request: Request): string | undefined {
  const value = clientAddressHeader ? request.headers.get(clientAddressHeader) : null;
  return value?.split(',').at(-1)?.trim() || undefined;
}

export async function GET(request: Request): Promise<Response> {
  return (await hub()).handleFetch(request, { clientAddress: clientAddress(request) });
}

export async function POST(request: Request): Promise<Response> {
  return (await hub()).handleFetch(request, { clientAddress: clientAddress(request) });
}

/**
 * Reads a JSON body, counting bytes as they arrive (a chunked body has no Content-Length): `TOO_LARGE`
 * past MAX_BODY_BYTES, `undefined` if it is not JSON. The unread rest is left to the server.
 */
const TOO_LARGE = Symbol('too large');
async function readJson(request: Request): Promise<unknown> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) return TOO_LARGE;
    chunks.push(value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** `POST /notify {"message": "..."}`: the app publishes from code, no token needed. */
export async function notify(request: Request): Promise<Response> {
  const body = (await readJson(request)) as { message?: unknown } | typeof TOO_LARGE | undefined;
  if (body === TOO_LARGE) {
    return new Response(`the request body is larger than ${MAX_BODY_BYTES} bytes\n`, { status: 413 });
  }
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

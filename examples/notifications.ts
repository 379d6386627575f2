/**
 * Notifications: public ones for everybody, private ones for one user only.
 * Run: npx tsx examples/notifications.ts (PORT overrides 3000), then in two terminals:
 *   curl -N 'http://127.0.0.1:3000/.well-known/mercure?topic=https://example.com/notifications'
 *   curl -d '{"message":"deploy at 5"}' http://127.0.0.1:3000/notify               (to everybody)
 *   curl -d '{"to":"alice","message":"your build is green"}' http://127.0.0.1:3000/notify
 * A private notification reaches only a subscriber whose token names the user's topic: GET
 * /token?user=alice gives one (in a real app, only to Alice, once she has logged in).
 * Demo page: /notifications of `npm start`. Guide: docs/learn/use-cases.md.
 * Test: test/learn/use-cases.test.ts.
 */

// #region server
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHub, HUB_PATH } from 'herald/hub';
import { SignJWT } from 'jose';

export const PUBLIC_TOPIC = 'https://example.com/notifications';
export const userTopic = (user: string) =>
  `https://example.com/users/${encodeURIComponent(user)}/notifications`;

export async function createNotificationServer(secret = randomBytes(32).toString('hex')) {
  const key = new TextEncoder().encode(secret);
  const herald = await createHub({ allowAnonymous: true, jwt: { key: { type: 'hmac', secret } } });

  // A subscriber token: the public topic, and this user's private topic. Valid for 10 minutes.
  const tokenFor = (user: string) =>
    new SignJWT({ mercure: { subscribe: [PUBLIC_TOPIC, userTopic(user)] } })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('10m')
      .sign(key);

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith(HUB_PATH)) return herald.handleNode(req, res);
    if (url.pathname === '/token') {
      const user = url.searchParams.get('user') ?? '';
      return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end(await tokenFor(user));
    }
    if (url.pathname === '/notify' && req.method === 'POST') {
      const { to, message } = JSON.parse(await readBody(req)) as { to?: unknown; message?: unknown };
      if (typeof message !== 'string' || (to !== undefined && typeof to !== 'string')) {
        return void res.writeHead(400, { 'Content-Type': 'text/plain' }).end('expected {"message", "to"?}\n');
      }
      const event = await herald.publish({
        topics: [to === undefined ? PUBLIC_TOPIC : userTopic(to)],
        isPrivate: to !== undefined, // only subscribers allowed to see this topic get it
        type: 'notification',
        data: JSON.stringify({ message, at: new Date().toISOString() }),
      });
      return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end(event.id);
    }
    res.writeHead(404).end();
  };
  const server = createServer((req, res) => void route(req, res).catch(() => res.writeHead(400).end()));
  server.on('close', () => void herald.close());
  return server;
}
// #endregion server

/** The request body as text, at most 16 KiB (a notification is small). */
async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 16 * 1024) throw new Error('body too large');
  }
  return body;
}

// #region client
import { EventSource, hubUrl } from 'herald/client';

/** Shows each notification this user may see; returns the function that stops listening. */
export function listen(base: string, user: string, token: string, show: (message: string) => void) {
  const url = hubUrl(base, { topics: [PUBLIC_TOPIC, userTopic(user)] });
  // A browser's own EventSource cannot send this header: there, the hub reads a cookie instead.
  const source = new EventSource(url, { headers: { Authorization: `Bearer ${token}` } });
  source.addEventListener('notification', (event) => show(JSON.parse(event.data).message));
  return () => source.close();
}
// #endregion client

/** Starts the app on `port` (0: one the OS picks) on loopback. */
export async function start(port = 0) {
  const server = await createNotificationServer();
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const close = () =>
    new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
  return { url, close };
}

if (process.argv[1] === import.meta.filename) {
  const { url, close } = await start(Number(process.env['PORT'] ?? 3000));
  console.log(`listening on ${url}`);
  process.once('SIGINT', () => void close());
  process.once('SIGTERM', () => void close());
}

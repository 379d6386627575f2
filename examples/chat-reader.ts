/**
 * Chat for a passive reader: someone who follows a room (a big screen, a moderator's log, an
 * archive) but may not write. The reader gets the room's history, then each new message live.
 * Run: npx tsx examples/chat-reader.ts (PORT overrides 3000), then
 *   curl -d '{"author":"Alice","text":"hello"}' http://127.0.0.1:3000/rooms/lobby/messages
 *   curl -N "http://127.0.0.1:3000/.well-known/mercure?topic=https://example.com/chat/lobby&lastEventID=earliest" \
 *        -H "Authorization: Bearer $(curl -s http://127.0.0.1:3000/token)"
 * Demo page: /chat of `npm start` (its Reader). Guide: docs/learn/use-cases.md.
 * Test: test/learn/use-cases.test.ts.
 */

// #region server
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHub, HUB_PATH } from 'herald/hub';
import { SignJWT } from 'jose';

export const roomTopic = (room: string) => `https://example.com/chat/${encodeURIComponent(room)}`;
export interface ChatMessage {
  author: string;
  text: string;
}

export async function createChatServer(secret = randomBytes(32).toString('hex')) {
  const herald = await createHub({ jwt: { key: { type: 'hmac', secret } } }); // no anonymous subscribers

  // A reader may subscribe to every room and publish nothing. Valid for 10 minutes.
  const readerToken = () =>
    new SignJWT({ mercure: { subscribe: ['https://example.com/chat/{room}'] } })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(secret));

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith(HUB_PATH)) return herald.handleNode(req, res);
    if (path === '/token') return void res.writeHead(200).end(await readerToken()); // after a login, in a real app
    const room = /^\/rooms\/([\w-]+)\/messages$/.exec(path)?.[1];
    if (room === undefined || req.method !== 'POST') return void res.writeHead(404).end();
    // Writers post to the app, which checks them (not shown) and publishes; history is kept by the hub.
    const { author, text } = JSON.parse(await readBody(req)) as ChatMessage;
    const message: ChatMessage = { author: String(author), text: String(text) };
    const event = await herald.publish({
      topics: [roomTopic(room)],
      type: 'message',
      data: JSON.stringify(message),
    });
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(event.id);
  };
  const server = createServer((req, res) => void route(req, res).catch(() => res.writeHead(400).end()));
  server.on('close', () => void herald.close());
  return server;
}
// #endregion server

/** The request body as text, at most 16 KiB. */
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

/** Shows the room's messages, oldest first: the history, then each new one. Returns a stop function. */
export function readRoom(base: string, room: string, token: string, show: (message: ChatMessage) => void) {
  // `earliest`: start from the oldest message the hub still keeps, then go live.
  const url = hubUrl(base, { topics: [roomTopic(room)], lastEventId: 'earliest' });
  const source = new EventSource(url, { headers: { Authorization: `Bearer ${token}` } });
  source.addEventListener('message', (event) => show(JSON.parse(event.data) as ChatMessage));
  return () => source.close();
}
// #endregion client

/** Starts the app on `port` (0: one the OS picks) on loopback. */
export async function start(port = 0) {
  const server = await createChatServer();
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

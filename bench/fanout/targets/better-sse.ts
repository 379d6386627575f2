/**
 * better-sse (npm) as a comparison: one Channel; `GET /sse` creates a Session and registers it,
 * `POST /publish` broadcasts the body to the channel. Library defaults except keep-alive pings,
 * which are off because the other targets send none during a cell.
 *
 * Run as its own process: `node --import tsx bench/fanout/targets/better-sse.ts PORT`.
 */
import { createServer } from 'node:http';
import { createChannel, createSession } from 'better-sse';

const port = Number(process.argv[2] ?? 0);
const channel = createChannel();

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url?.startsWith('/sse')) {
    createSession(req, res, { keepAlive: null }).then(
      (session) => channel.register(session),
      () => res.destroy(),
    );
    return;
  }
  if (req.method === 'POST' && req.url === '/publish') {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      channel.broadcast(Buffer.concat(parts).toString('utf8'), 'message');
      res.writeHead(204).end();
    });
    return;
  }
  res.writeHead(404).end();
});
server.listen(port, '127.0.0.1', 4096);

/**
 * Baseline: the least a node:http server can do to fan out SSE. Subscribers `GET /subscribe` get
 * headers and stay in a Set; `POST /publish` turns its body into one `data:` frame, encoded once,
 * written to every open response. No ids, no history, no heartbeat, no backpressure (a slow reader's
 * bytes pile up in its socket buffer): anything a hub does costs more than this.
 *
 * Run as its own process: `node --import tsx bench/fanout/targets/plain-node.ts PORT`.
 */
import { createServer, type ServerResponse } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const open = new Set<ServerResponse>();

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url?.startsWith('/subscribe')) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    open.add(res);
    res.on('close', () => open.delete(res));
    return;
  }
  if (req.method === 'POST' && req.url === '/publish') {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const frame = Buffer.concat([Buffer.from('data: '), ...parts, Buffer.from('\n\n')]);
      for (const subscriber of open) subscriber.write(frame);
      res.writeHead(204).end();
    });
    return;
  }
  res.writeHead(404).end();
});
server.listen(port, '127.0.0.1', 4096);

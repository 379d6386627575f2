/**
 * The raw server of raw-sse-server.ts again, with herald/server doing the wire format: headers,
 * escaping, heartbeats, Last-Event-ID, backpressure.
 * Run: npx tsx examples/learn/herald-sse-server.ts (PORT overrides 3000), then
 *      curl -N http://localhost:3000/events
 * Guide: docs/learn/sse-from-the-bytes-up.md. Test: test/learn/sse-bytes.test.ts.
 */

// #region server
import { createServer } from 'node:http';
import { createNodeSseStream } from 'herald/server';

export function createHeraldSseServer(tickMs = 1000) {
  return createServer((req, res) => {
    if (req.url !== '/events') return void res.writeHead(404).end();
    const stream = createNodeSseStream(req, res, { retryMs: 3000, heartbeatMs: 15_000 });
    let id = Number(stream.lastEventId ?? 0) || 0;
    const tick = setInterval(() => {
      id += 1;
      stream.send({ id: String(id), event: 'tick', data: `tick ${id}\nsecond line` });
    }, tickMs);
    void stream.closed.then(() => clearInterval(tick));
  });
}
// #endregion server

/** Starts the server on `port` (0: one the OS picks) on loopback; resolves with its URL and a close function. */
export async function start(port = 0, tickMs = 1000): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createHeraldSseServer(tickMs);
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
  console.log(`try: curl -N '${url}/events'`);
  process.once('SIGINT', () => void close());
  process.once('SIGTERM', () => void close());
}

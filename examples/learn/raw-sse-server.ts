/**
 * Server-Sent Events with nothing but node:http: the bytes an event stream is made of.
 * Run: npx tsx examples/learn/raw-sse-server.ts (PORT overrides 3000), then
 *      curl -N -i http://localhost:3000/events
 * Guide: docs/learn/sse-from-the-bytes-up.md. Test: test/learn/sse-bytes.test.ts.
 */

// #region server
import { createServer } from 'node:http';

export function createRawSseServer(tickMs = 1000) {
  return createServer((req, res) => {
    if (req.url !== '/events') return void res.writeHead(404).end();
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
    });
    res.write(': connected\n\n'); // a comment: EventSource ignores it, but it flushes the headers
    res.write('retry: 3000\n\n'); // if the connection drops, try again after 3 s
    let id = Number(req.headers['last-event-id'] ?? 0) || 0; // resume after what the client saw
    const tick = setInterval(() => {
      id += 1;
      res.write(`id: ${id}\nevent: tick\ndata: tick ${id}\ndata: second line\n\n`);
    }, tickMs);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(tick);
      clearInterval(heartbeat);
    });
  });
}
// #endregion server

/** Starts the server on `port` (0: one the OS picks) on loopback; resolves with its URL and a close function. */
export async function start(port = 0, tickMs = 1000): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createRawSseServer(tickMs);
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

/**
 * The same feed through the hub: the app publishes to a topic, any number of subscribers read it
 * at /.well-known/mercure, and the hub keeps history so a reconnection misses nothing.
 * Run: npx tsx examples/learn/hub-sse-server.ts (PORT overrides 3000), then
 *      curl -N 'http://localhost:3000/.well-known/mercure?topic=ticks'
 * Guide: docs/learn/sse-from-the-bytes-up.md. Test: test/learn/sse-bytes.test.ts.
 */

// #region server
import { createServer } from 'node:http';
import { createHub } from 'herald/hub';

export async function createHubSseServer(tickMs = 1000) {
  const herald = await createHub({ store: 'memory', allowAnonymous: true });
  const server = createServer(herald.handleNode); // serves /.well-known/mercure
  let id = 0;
  const tick = setInterval(() => {
    id += 1;
    void herald.publish({ topics: ['ticks'], type: 'tick', data: `tick ${id}\nsecond line` });
  }, tickMs);
  server.on('close', () => {
    clearInterval(tick);
    void herald.close();
  });
  return server;
}
// #endregion server

/** Starts the hub on `port` (0: one the OS picks) on loopback; resolves with its URL and a close function. */
export async function start(port = 0, tickMs = 1000): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await createHubSseServer(tickMs);
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
  console.log(`try: curl -N '${url}/.well-known/mercure?topic=ticks'`);
  process.once('SIGINT', () => void close());
  process.once('SIGTERM', () => void close());
}

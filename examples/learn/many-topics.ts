/**
 * One stream, many topics: a page that needs prices, its user's notifications and a chat room
 * opens one connection to the hub, not three.
 * Run: npx tsx examples/learn/many-topics.ts (starts a hub on PORT or 3000, subscribes, publishes
 * one event per topic, prints what arrived over the one stream, and stops).
 * Guide: docs/learn/six-connections.md. Test: test/learn/six-connections.test.ts.
 */
// #region client
import { EventSource, hubUrl } from 'herald/client';

/** One connection for every topic a page needs; each event says which kind it is by its type. */
export function subscribeAll(base: string, onEvent: (type: string, data: string) => void) {
  const url = hubUrl(base, {
    topics: [
      'https://example.com/stocks/{symbol}', // a URI template: every symbol
      'https://example.com/users/alice/notifications',
      'https://example.com/chat/lobby',
    ],
  });
  const source = new EventSource(url);
  for (const type of ['price', 'notification', 'message']) {
    source.addEventListener(type, (event) => onEvent(type, event.data));
  }
  return source;
}
// #endregion client

if (process.argv[1] === import.meta.filename) {
  const { createServer } = await import('node:http');
  const { createHub } = await import('herald/hub');
  const herald = await createHub({ store: 'memory', allowAnonymous: true });
  const server = createServer(herald.handleNode);
  await new Promise<void>((done) => server.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const close = async () => {
    server.closeAllConnections();
    server.close();
    await herald.close();
  };
  const source = subscribeAll(url, (type, data) => {
    console.log(`${type}: ${data}`);
    if (type === 'message') {
      source.close();
      void close();
    }
  });
  source.addEventListener('open', () => {
    void herald.publish({
      topics: ['https://example.com/stocks/HRLD'],
      type: 'price',
      data: '{"cents":10100}',
    });
    void herald.publish({
      topics: ['https://example.com/users/alice/notifications'],
      type: 'notification',
      data: 'hi',
    });
    void herald.publish({ topics: ['https://example.com/chat/lobby'], type: 'message', data: 'hello' });
  });
}

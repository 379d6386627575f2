/**
 * A stock ticker: an in-process publisher moves prices; a page loads a snapshot, then streams every
 * change after it, with no gap and no duplicate, even across a dropped connection.
 * Run: npx tsx examples/stock-ticker.ts (PORT overrides 3000; 2 updates a second), then
 *   curl http://127.0.0.1:3000/prices
 *   curl -N 'http://127.0.0.1:3000/.well-known/mercure?topic=https://example.com/stocks/{symbol}' -g
 * Demo page: /stocks of `npm start`. Guide: docs/learn/use-cases.md. Test: test/learn/use-cases.test.ts.
 */

// #region server
import { createServer } from 'node:http';
import { createHub, HUB_PATH } from 'herald/hub';

export const SYMBOLS = ['HRLD', 'PUSH', 'POLL'];
export const stockTopic = (symbol: string) => `https://example.com/stocks/${symbol}`;
export interface Price {
  symbol: string;
  cents: number;
}

/** Moves one symbol every `intervalMs`, `maxTicks` times at most; `random` picks which and how much. */
export async function createTickerServer(
  intervalMs = 500,
  maxTicks = Number.POSITIVE_INFINITY,
  random = Math.random,
) {
  const herald = await createHub({ allowAnonymous: true });
  const prices = new Map(SYMBOLS.map((symbol) => [symbol, 10_000])); // in cents: no float rounding
  let lastEventId: string | null = null; // where in the hub's history the snapshot stands
  let ticks = 0;

  const timer = setInterval(async () => {
    if (++ticks >= maxTicks) clearInterval(timer);
    const symbol = SYMBOLS[Math.floor(random() * SYMBOLS.length)] ?? 'HRLD';
    const cents = Math.max(1, (prices.get(symbol) ?? 0) + Math.round((random() - 0.5) * 200));
    const price: Price = { symbol, cents };
    const event = await herald.publish({
      topics: [stockTopic(symbol)],
      type: 'price',
      data: JSON.stringify(price),
    });
    prices.set(symbol, cents); // the snapshot changes with its event id, never ahead of it
    lastEventId = event.id;
  }, intervalMs);

  const server = createServer((req, res) => {
    if (req.url?.startsWith(HUB_PATH)) return herald.handleNode(req, res);
    if (req.url !== '/prices') return void res.writeHead(404).end();
    const snapshot = { lastEventId, prices: [...prices].map(([symbol, cents]) => ({ symbol, cents })) };
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(snapshot));
  });
  server.on('close', () => {
    clearInterval(timer);
    void herald.close();
  });
  return server;
}

// #endregion server

// #region client
import { EventSource, hubUrl } from 'herald/client';

/** Keeps `prices` up to date: the snapshot first, then every change after it. Returns a stop function. */
export async function watchPrices(
  base: string,
  prices: Map<string, number>,
  onChange: (price: Price) => void,
) {
  const snapshot = (await (await fetch(`${base}/prices`)).json()) as {
    lastEventId: string | null;
    prices: Price[];
  };
  for (const { symbol, cents } of snapshot.prices) prices.set(symbol, cents);
  const url = hubUrl(base, { topics: ['https://example.com/stocks/{symbol}'] }); // a URI template: all symbols
  // Start right after the snapshot: the hub replays what was published in between, then goes live.
  const source = new EventSource(url, { lastEventId: snapshot.lastEventId ?? undefined });
  source.addEventListener('price', (event) => {
    const price = JSON.parse(event.data) as Price;
    prices.set(price.symbol, price.cents);
    onChange(price);
  });
  return () => source.close();
}
// #endregion client

/** Starts the app on `port` (0: one the OS picks) on loopback. */
export async function start(
  port = 0,
  intervalMs = 500,
  maxTicks = Number.POSITIVE_INFINITY,
  random = Math.random,
) {
  const server = await createTickerServer(intervalMs, maxTicks, random);
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

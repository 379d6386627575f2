/**
 * Short polling and long polling, by hand: one feed served as JSON, read by asking again and again.
 * Run: npx tsx examples/learn/polling.ts (PORT overrides 3000; publishes one event a second), then
 *      curl 'http://localhost:3000/poll?after=0'              (short poll: answers at once)
 *      curl 'http://localhost:3000/poll?after=5&waitMs=25000' (long poll: waits for event 6)
 * Guide: docs/learn/polling-long-polling-sse.md. Test: test/learn/polling.test.ts.
 */

// #region server
import { createServer } from 'node:http';

export interface FeedEvent {
  id: number;
  data: string;
}

export function createPollingServer() {
  const events: FeedEvent[] = [];
  const waiting = new Set<() => void>(); // long polls held open until there is news
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/poll') return void res.writeHead(404).end();
    const after = Number(url.searchParams.get('after') ?? 0);
    const waitMs = Math.min(Number(url.searchParams.get('waitMs') ?? 0), 30_000); // 0: short poll
    const answer = () => {
      clearTimeout(timeout);
      waiting.delete(answer);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(events.filter((event) => event.id > after)));
    };
    const timeout = setTimeout(answer, waitMs); // a long poll ends empty after waitMs
    if (waitMs === 0 || events.some((event) => event.id > after)) answer();
    else waiting.add(answer);
    res.on('close', () => {
      clearTimeout(timeout);
      waiting.delete(answer);
    });
  });
  const publish = (data: string) => {
    events.push({ id: events.length + 1, data });
    for (const answer of [...waiting]) answer();
  };
  return { server, publish };
}

// #endregion server

// #region short-poll
import { setTimeout as sleep } from 'node:timers/promises';

/** Asks every `intervalMs`, whether or not anything happened, until `signal` aborts. */
export async function shortPoll(
  base: string,
  intervalMs: number,
  onEvent: (event: FeedEvent) => void,
  signal?: AbortSignal,
) {
  let last = 0;
  while (!signal?.aborted) {
    const response = await fetch(`${base}/poll?after=${last}`, { signal });
    for (const event of (await response.json()) as FeedEvent[]) {
      onEvent(event);
      last = event.id;
    }
    await sleep(intervalMs, undefined, { signal });
  }
}
// #endregion short-poll

// #region long-poll
/** Asks; the server answers when there is news (or after 25 s); asks again at once. Until `signal` aborts. */
export async function longPoll(base: string, onEvent: (event: FeedEvent) => void, signal?: AbortSignal) {
  let last = 0;
  while (!signal?.aborted) {
    const response = await fetch(`${base}/poll?after=${last}&waitMs=25000`, { signal });
    for (const event of (await response.json()) as FeedEvent[]) {
      onEvent(event);
      last = event.id;
    }
  }
}
// #endregion long-poll

/**
 * Starts the feed on `port` (0: one the OS picks) on loopback. `publish` adds an event; `requests`
 * counts the requests per kind so far, and keeps the `after` of the last long poll.
 */
export async function start(port = 0) {
  const { server, publish } = createPollingServer();
  const requests = { short: 0, long: 0, lastLongAfter: -1 };
  server.prependListener('request', (req) => {
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    if (Number(query.get('waitMs') ?? 0) === 0) requests.short += 1;
    else {
      requests.long += 1;
      requests.lastLongAfter = Number(query.get('after') ?? 0);
    }
  });
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const close = () =>
    new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
  return { url, publish, requests, close };
}

if (process.argv[1] === import.meta.filename) {
  const feed = await start(Number(process.env['PORT'] ?? 3000));
  console.log(`listening on ${feed.url}`);
  let count = 0;
  const ticker = setInterval(() => feed.publish(`event ${++count}`), 1000);
  const stop = () => {
    clearInterval(ticker);
    void feed.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/**
 * The same feed over SSE, long polling and short polling (1000 ms and 2000 ms), all subscribed at
 * once to one topic of one in-process hub (memory store) on loopback. Per transport: events
 * received (complete, in order, no duplicates — asserted), HTTP requests and bytes the server sent
 * (counted on the server side: status line + headers + chunked framing + body), and the
 * publish-to-receive latency. Two feeds: steady (R events/s) and bursty (bursts at the same mean
 * rate). Prints Markdown tables with ratios against SSE; writes JSON to bench/results/.
 *
 *   npx tsx bench/transports.ts [--events 200] [--rate 20] [--burst 50]
 *
 * CPU is the whole process's (hub, the four clients and the publisher share it): the column is a
 * run total, not a per-transport figure.
 */
import type { IncomingMessage } from 'node:http';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import type { TransportName } from '../src/client/index.js';
import { createHub } from '../src/http/index.js';
import { type CountingServer, startCountingServer, type TrafficCount } from './support/counting-server.js';
import { type FeedSubscriber, isCompleteInOrder, subscribeFeed } from './support/feed-subscriber.js';
import { machineLine, markdownTable } from './support/markdown-table.js';
import { writeResults } from './support/results-file.js';
import { ms, ratio, type Spread, spreadOf } from './support/stats.js';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '200' },
    rate: { type: 'string', default: '20' },
    burst: { type: 'string', default: '50' },
  },
});
const EVENT_COUNT = Number(flags.events);
const RATE_PER_S = Number(flags.rate);
const BURST_SIZE = Number(flags.burst);
const SECRET = 'bench-secret-key-with-enough-bytes-0123456789';
const TOPIC = 'https://example.com/bench/feed';
/** After the last publish: a short poller waits up to one interval, a long poller is answered at once. */
const DRAIN_TIMEOUT_MS = 10_000;

interface Subscription {
  label: string;
  transport: TransportName;
  shortPollIntervalMs?: number;
}

const SUBSCRIPTIONS: Subscription[] = [
  { label: 'sse', transport: 'sse' },
  { label: 'long-poll', transport: 'long-poll' },
  { label: 'short-poll 1000 ms', transport: 'short-poll', shortPollIntervalMs: 1000 },
  { label: 'short-poll 2000 ms', transport: 'short-poll', shortPollIntervalMs: 2000 },
];

interface Feed {
  name: string;
  /** Milliseconds after the start at which event `seq` is sent. */
  sendAtMs(seq: number): number;
}

const FEEDS: Feed[] = [
  { name: `steady ${RATE_PER_S}/s`, sendAtMs: (seq) => (seq * 1000) / RATE_PER_S },
  {
    // Same mean rate; each burst is published back to back (one request after the other).
    name: `bursty ${BURST_SIZE} at once, ${RATE_PER_S}/s mean`,
    sendAtMs: (seq) => Math.floor(seq / BURST_SIZE) * ((BURST_SIZE * 1000) / RATE_PER_S),
  },
];

interface Row {
  label: string;
  received: number;
  isCompleteInOrder: boolean;
  traffic: TrafficCount;
  latencyMs: Spread;
  errors: string[];
}

interface FeedResult {
  feed: string;
  rows: Row[];
  wallMs: number;
  cpuMs: number;
}

function labelOf(req: IncomingMessage): string {
  const query = new URL(req.url ?? '/', 'http://bench').searchParams;
  return query.get('bench') ?? (req.method === 'POST' ? 'publish' : 'other');
}

async function publisherToken(): Promise<string> {
  return new SignJWT({ mercure: { publish: ['*'] } })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(SECRET));
}

async function publishFeed(server: CountingServer, feed: Feed, token: string): Promise<void> {
  const startMs = performance.now();
  for (let seq = 0; seq < EVENT_COUNT; seq++) {
    const waitMs = startMs + feed.sendAtMs(seq) - performance.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const data = JSON.stringify({ seq, sentAtMs: performance.now() });
    const response = await fetch(`${server.url}/.well-known/mercure`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ topic: TOPIC, data }).toString(),
    });
    if (response.status !== 200) throw new Error(`publish ${seq}: HTTP ${response.status}`);
    await response.text();
  }
}

async function waitUntil(isReady: () => boolean, timeoutMs: number): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!isReady()) {
    if (Date.now() > deadlineMs) throw new Error('subscribers did not connect in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function runFeed(feed: Feed, token: string): Promise<FeedResult> {
  const herald = await createHub({ allowAnonymous: true, jwt: { key: { type: 'hmac', secret: SECRET } } });
  const server = await startCountingServer(herald.handleNode, labelOf);
  const subscribers: FeedSubscriber[] = SUBSCRIPTIONS.map((s) => {
    const url = `${server.url}/.well-known/mercure?topic=${encodeURIComponent(TOPIC)}&bench=${encodeURIComponent(s.label)}`;
    return subscribeFeed(s.label, url, {
      transport: s.transport,
      shortPollIntervalMs: s.shortPollIntervalMs,
    });
  });
  try {
    // Publish only once every subscriber is in (its first request answered or held): pollers start
    // from the earliest kept event anyway, the SSE subscriber from the head at connection time.
    await waitUntil(() => {
      const traffic = server.traffic();
      return (
        herald.hub.subscribers.size >= 1 &&
        SUBSCRIPTIONS.every((s) => (traffic.get(s.label)?.requests ?? 0) >= 1)
      );
    }, 10_000);
    const cpuBefore = process.cpuUsage();
    const startMs = performance.now();
    await publishFeed(server, feed, token);
    await Promise.all(subscribers.map((s) => s.waitFor(EVENT_COUNT, DRAIN_TIMEOUT_MS)));
    const wallMs = performance.now() - startMs;
    const cpu = process.cpuUsage(cpuBefore);
    const traffic = server.traffic();
    const rows = subscribers.map((s) => ({
      label: s.label,
      received: s.seqs.length,
      isCompleteInOrder: isCompleteInOrder(s.seqs, EVENT_COUNT),
      traffic: traffic.get(s.label) ?? { requests: 0, wireBytes: 0, bodyBytes: 0 },
      latencyMs: spreadOf(s.latenciesMs),
      errors: s.errors,
    }));
    return { feed: feed.name, rows, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    for (const s of subscribers) s.close();
    await herald.close();
    await server.close();
  }
}

function printFeed(result: FeedResult): void {
  const sse = result.rows.find((row) => row.label === 'sse');
  const header = [
    'transport',
    'events',
    'complete, in order',
    'requests',
    '×SSE',
    'wire bytes',
    'of which headers+framing',
    '×SSE',
    'latency p50 ms',
    'p99',
    'max',
    'p50 ×SSE',
  ];
  const rows = result.rows.map((row) => [
    row.label,
    `${row.received}/${EVENT_COUNT}`,
    row.isCompleteInOrder ? 'yes' : `**NO**${row.errors.length ? ` (${row.errors.join(', ')})` : ''}`,
    String(row.traffic.requests),
    ratio(row.traffic.requests, sse?.traffic.requests ?? 0),
    String(row.traffic.wireBytes),
    String(row.traffic.wireBytes - row.traffic.bodyBytes),
    ratio(row.traffic.wireBytes, sse?.traffic.wireBytes ?? 0),
    ms(row.latencyMs.p50),
    ms(row.latencyMs.p99),
    ms(row.latencyMs.max),
    ratio(row.latencyMs.p50, sse?.latencyMs.p50 ?? 0),
  ]);
  console.log(`\n### ${result.feed}: ${EVENT_COUNT} events, one topic, 4 subscribers at once\n`);
  console.log(markdownTable(header, rows));
  console.log(
    `\nwall ${(result.wallMs / 1000).toFixed(1)} s; process CPU (hub + clients + publisher) ${result.cpuMs.toFixed(0)} ms`,
  );
}

console.log(machineLine());
const token = await publisherToken();
const results: FeedResult[] = [];
for (const feed of FEEDS) {
  const result = await runFeed(feed, token);
  printFeed(result);
  results.push(result);
}
console.log(
  `\nresults: ${writeResults('transports', { eventCount: EVENT_COUNT, ratePerS: RATE_PER_S, results })}`,
);
const incomplete = results.flatMap((r) =>
  r.rows.filter((row) => !row.isCompleteInOrder).map((row) => `${r.feed}/${row.label}`),
);
if (incomplete.length > 0) {
  console.error(`incomplete or out of order: ${incomplete.join(', ')}`);
  process.exitCode = 1;
}

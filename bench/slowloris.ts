/**
 * Slowloris: how many connections can one address hold open by never finishing its headers, and
 * for how long? (Issue 15: before the edge guard, 2,000 sockets from one address that each sent a
 * request line and then a header byte a second were all held ~90 s, Node's 60 s headers timeout
 * checked every 30 s, and none counted against the per-address connection cap.)
 *
 * A real hub (memory store, default limits: 256 connections per address) behind `createHubServer`,
 * on loopback. `--sockets` (2,000) connections from 127.0.0.1 each send
 * `GET /.well-known/mercure?topic=x HTTP/1.1\r\nHost: a\r\n` and then one header byte every
 * `--drip-ms` (1,000), never the end of the headers. Printed per server: how many were refused at
 * once (429) and how fast, how many were held, for how long and how the server ended them (408, or
 * closed without an answer). `--baseline` also runs the server as it was before the guard (Node's
 * defaults, a dropped connection on a client error) and prints the held time against it; that run
 * takes ~90 s (its bound is `BASELINE_MAX_WAIT_MS`). Every connection still open after
 * `--max-wait-ms` is cut and counted as such.
 *
 *   npx tsx bench/slowloris.ts [--sockets 2000] [--drip-ms 1000] [--max-wait-ms 30000] [--baseline]
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { createHub, createHubServer, type HeraldHub } from '../src/http/index.js';
import { machineLine, markdownTable } from './support/markdown-table.js';
import { ms, ratio, spreadOf } from './support/stats.js';

const { values: flags } = parseArgs({
  options: {
    sockets: { type: 'string', default: '2000' },
    'drip-ms': { type: 'string', default: '1000' },
    'max-wait-ms': { type: 'string', default: '30000' },
    baseline: { type: 'boolean', default: false },
  },
});
const SOCKETS = Number(flags.sockets);
const DRIP_MS = Number(flags['drip-ms']);
const MAX_WAIT_MS = Number(flags['max-wait-ms']);
/** Connections opened at once: more would overflow the listen backlog and retry SYNs for seconds. */
const CONNECT_BATCH = 200;
/** Node's own bound, a 60 s headers timeout checked every 30 s, ends them all within 90 s. */
const BASELINE_MAX_WAIT_MS = 120_000;
const REQUEST_START = 'GET /.well-known/mercure?topic=x HTTP/1.1\r\nHost: a\r\nx-drip: ';

/** How one connection ended: the status the server answered (none: closed without one), and when. */
interface Outcome {
  status: number | 'none' | 'still open';
  elapsedMs: number;
}

interface Attacker {
  socket: Socket;
  startedMs: number;
  outcome: Promise<Outcome>;
}

function open(port: number): Attacker {
  const startedMs = performance.now();
  const socket = connect(port, '127.0.0.1');
  let head = '';
  const outcome = new Promise<Outcome>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      if (head.length < 12) head += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      const status = head.length >= 12 ? Number(head.slice(9, 12)) : 'none';
      resolve({ status, elapsedMs: performance.now() - startedMs });
    });
  });
  socket.write(REQUEST_START);
  return { socket, startedMs, outcome };
}

/** Opens `SOCKETS` dripping connections to `port`; resolves once every one ended or was cut at the bound. */
async function attack(port: number, maxWaitMs: number): Promise<Outcome[]> {
  const attackers: Attacker[] = [];
  for (let i = 0; i < SOCKETS; i += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, SOCKETS - i) }, () => open(port));
    attackers.push(...batch);
    // Connected (or already refused and closed) before the next batch.
    await Promise.all(
      batch.map(({ socket }) => Promise.race([once(socket, 'connect'), once(socket, 'close')])),
    );
  }
  const drip = setInterval(() => {
    for (const { socket } of attackers) if (socket.writable) socket.write('a');
  }, DRIP_MS);
  const outcomes: Outcome[] = new Array(attackers.length);
  let bound: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(attackers.map(({ outcome }, i) => outcome.then((o) => (outcomes[i] = o)))),
    new Promise<void>((resolve) => (bound = setTimeout(resolve, maxWaitMs))),
  ]);
  clearTimeout(bound);
  clearInterval(drip);
  for (const [i, { socket, startedMs }] of attackers.entries()) {
    if (outcomes[i] !== undefined) continue;
    outcomes[i] = { status: 'still open', elapsedMs: performance.now() - startedMs };
    socket.destroy();
  }
  return outcomes;
}

interface Run {
  name: string;
  outcomes: Outcome[];
}

/** A hub with the default limits behind `serverOf`'s server, attacked, then closed. */
async function run(
  name: string,
  maxWaitMs: number,
  serverOf: (herald: HeraldHub) => Server | Http2SecureServer,
): Promise<Run> {
  const herald = await createHub({ store: 'memory', allowAnonymous: true });
  const server = serverOf(herald);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const outcomes = await attack(port, maxWaitMs);
  await herald.close();
  if ('closeAllConnections' in server) server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return { name, outcomes };
}

function countBy(outcomes: readonly Outcome[]): string {
  const counts = new Map<string, number>();
  for (const { status } of outcomes) counts.set(String(status), (counts.get(String(status)) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count}× ${status}`).join(', ') || '–';
}

const guarded = await run(
  'createHubServer (edge guard)',
  MAX_WAIT_MS,
  (herald) => createHubServer(herald).server,
);
const runs = [guarded];
if (flags.baseline) {
  runs.push(
    await run('before: node:http defaults, dropped on client error', BASELINE_MAX_WAIT_MS, (herald) => {
      const server = createServer(herald.handleNode);
      server.on('clientError', (_error, socket) => socket.destroy());
      return server;
    }),
  );
}
const heldOf = (outcomes: readonly Outcome[]) => outcomes.filter(({ status }) => status !== 429);
const baselineHeld =
  runs[1] === undefined ? Number.NaN : spreadOf(heldOf(runs[1].outcomes).map((o) => o.elapsedMs)).p50;

console.log(
  `${SOCKETS} sockets from 127.0.0.1, one header byte every ${DRIP_MS} ms, cut after ${MAX_WAIT_MS} ms${flags.baseline ? ` (before: ${BASELINE_MAX_WAIT_MS} ms)` : ''}; ${machineLine()}\n`,
);
console.log(
  markdownTable(
    [
      'server',
      'refused (429)',
      '429 after p50 / max ms',
      'held',
      'held p50 / max ms',
      'held ×before',
      'held ended with',
    ],
    runs.map(({ name, outcomes }) => {
      const refused = spreadOf(outcomes.filter(({ status }) => status === 429).map((o) => o.elapsedMs));
      const held = heldOf(outcomes);
      const heldMs = spreadOf(held.map((o) => o.elapsedMs));
      return [
        name,
        String(outcomes.length - held.length),
        `${ms(refused.p50)} / ${ms(refused.max)}`,
        String(held.length),
        `${ms(heldMs.p50)} / ${ms(heldMs.max)}`,
        ratio(heldMs.p50, baselineHeld),
        countBy(held),
      ];
    }),
  ),
);

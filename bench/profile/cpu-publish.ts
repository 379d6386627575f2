/**
 * CPU per publish of the HTTP publish path, with an optional CPU profile: the hub (`createHub`,
 * memory or SQLite store with `synchronous=FULL`) runs in THIS process behind node:http; the
 * benchmark's publisher process (`bench/fanout/load/publisher-worker.ts`) sends form publishes with
 * a publisher JWT, `--depth` requests in flight on one pipelined keep-alive connection. No
 * subscriber: only token, form, validation, id, append and answer are measured. With `--store
 * sqlite`, it also reports how the group commit batched (commits, events per commit, time inside
 * the commits: the share of the main thread's time that the inserts and the fsync take).
 *
 *   node --import tsx bench/profile/cpu-publish.ts [--store memory|sqlite] [--depth 8]
 *     [--seconds 5] [--source | --build DIR] [--profile FILE.cpuprofile]
 *
 * `--source` loads `src/` through tsx instead of the compiled `dist/` (run `npm run build` first);
 * `--build DIR` loads another build (a copy of `dist/` kept from before a change, to alternate
 * runs of both on a noisy machine).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SignJWT } from 'jose';
import type { createHub as CreateHub } from '../../src/http/index.js';
import { LoadProcess } from '../fanout/load/load-process.js';
import { DEFAULT_PAYLOAD_BYTES } from '../fanout/load/payload.js';
import type { PublishCommand, PublishReply } from '../fanout/load/protocol.js';
import { startCpuProfile } from './inspector-profile.js';

interface Args {
  store: 'memory' | 'sqlite';
  depth: number;
  seconds: number;
  source: boolean;
  /** Another build to load instead of `dist/` (a copy kept to compare before/after a change). */
  build: string | undefined;
  profile: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    store: 'memory',
    depth: 8,
    seconds: 5,
    source: false,
    build: undefined,
    profile: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--store') args.store = argv[++i] === 'sqlite' ? 'sqlite' : 'memory';
    else if (flag === '--depth') args.depth = Number(argv[++i]);
    else if (flag === '--seconds') args.seconds = Number(argv[++i]);
    else if (flag === '--source') args.source = true;
    else if (flag === '--build') args.build = argv[++i];
    else if (flag === '--profile') args.profile = argv[++i];
  }
  return args;
}

/** Counts the SQLite commits by wrapping `COMMIT` on the store's connection (diagnostics only). */
interface CommitStats {
  commits: number;
  events: number;
  ms: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  const base = args.source
    ? '../../src'
    : args.build !== undefined
      ? pathToFileURL(resolve(args.build)).href
      : '../../dist';
  const { createHub } = (await import(`${base}/http/index.js`)) as { createHub: typeof CreateHub };
  const dir = mkdtempSync(join(tmpdir(), 'herald-cpu-publish-'));
  const secret = 'x'.repeat(32);
  let store: NonNullable<Parameters<typeof CreateHub>[0]>['store'] = 'memory';
  const stats: CommitStats = { commits: 0, events: 0, ms: 0 };
  if (args.store === 'sqlite') {
    const { SqliteStore } = (await import(
      `${base}/store/sqlite.js`
    )) as typeof import('../../src/store/sqlite.js');
    const { LocalBroker } = (await import(
      `${base}/store/local-broker.js`
    )) as typeof import('../../src/store/local-broker.js');
    const sqlite = SqliteStore.open(join(dir, 'herald.db'), { synchronous: 'FULL' });
    const append = sqlite.append.bind(sqlite);
    // Every append of one commit resolves in the same turn: a turn with resolutions is one commit.
    let turnEvents = 0;
    let turnStartMs = 0;
    sqlite.append = (event, nowMs, options) => {
      const pending = append(event, nowMs, options);
      if (turnEvents === 0) turnStartMs = performance.now();
      turnEvents++;
      void pending.finally(() => {
        if (turnEvents === 0) return;
        stats.commits++;
        stats.events += turnEvents;
        stats.ms += performance.now() - turnStartMs;
        turnEvents = 0;
      });
      return pending;
    };
    store = { store: sqlite, broker: new LocalBroker() };
  }
  const herald = await createHub({
    store,
    jwt: { key: { type: 'hmac', secret } },
    heartbeatMs: 0,
    maxConnections: 1e7,
    maxConnectionsPerIp: 1e7,
  });
  const server = createServer(herald.handleNode);
  server.listen(0, '127.0.0.1', 4096);
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const token = await new SignJWT({ mercure: { publish: ['*'], subscribe: ['*'] } })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));
  const publisher = new LoadProcess<PublishCommand, PublishReply>(repoRoot, 'publisher-worker.ts');
  let runId = 0;
  const run = (seconds: number) =>
    publisher.request<PublishReply>(
      {
        type: 'publish',
        spec: {
          host: '127.0.0.1',
          port,
          path: '/.well-known/mercure',
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            Authorization: `Bearer ${token}`,
          },
          bodyFormat: 'mercure-form',
          topic: 'cpu-publish',
        },
        runId: ++runId,
        count: 1e8,
        eventsPerSec: null,
        window: args.depth,
        payloadBytes: DEFAULT_PAYLOAD_BYTES,
        deadlineMs: seconds * 1000,
      },
      'published',
    );
  await run(1); // warm-up: JIT, first pages of the database
  Object.assign(stats, { commits: 0, events: 0, ms: 0 });
  const stopProfile = await startCpuProfile(args.profile);
  const cpuBefore = process.cpuUsage();
  const startedMs = performance.now();
  const reply = await run(args.seconds);
  const elapsedMs = performance.now() - startedMs;
  const cpu = process.cpuUsage(cpuBefore);
  await stopProfile();
  const publishMs = (reply.lastAckUs - reply.firstSendUs) / 1000;
  const errors = Object.keys(reply.errors).length > 0 ? ` errors ${JSON.stringify(reply.errors)}` : '';
  console.log(
    `herald (${args.source ? 'src' : (args.build ?? 'dist')}) ${args.store} depth=${args.depth}: ` +
      `${((reply.acked * 1000) / publishMs).toFixed(0)} publishes/s, ` +
      `CPU ${((cpu.user + cpu.system) / reply.acked).toFixed(1)} µs/publish ` +
      `(user ${(cpu.user / reply.acked).toFixed(1)}, system ${(cpu.system / reply.acked).toFixed(1)}), ` +
      `main thread busy ${((100 * (cpu.user + cpu.system)) / 1000 / elapsedMs).toFixed(0)}%${errors}`,
  );
  if (args.store === 'sqlite' && stats.commits > 0) {
    console.log(
      `  commits ${stats.commits}, ${(stats.events / stats.commits).toFixed(2)} events/commit, ` +
        `${(stats.ms / stats.commits).toFixed(3)} ms from first append to acknowledgement per commit`,
    );
  }
  await publisher.stop();
  server.closeAllConnections();
  server.close();
  await herald.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();

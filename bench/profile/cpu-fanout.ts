/**
 * CPU per delivery of the fan-out path alone, with a CPU profile: the hub runs in THIS process,
 * N subscribers connect from a child process (raw sockets that discard what they read), and events
 * are published in-process (`hub.publish`, no HTTP publish cost) either as fast as the fan-out
 * allows (one event per turn) or at a fixed rate (one event per timer tick: no natural batching).
 * `--plain` writes the same bytes with bare node:http for the baseline.
 *
 *   node --import tsx bench/profile/cpu-fanout.ts [--n 1000] [--events 2000] [--rate 20000]
 *     [--plain] [--dist] [--flush-delay-ms 0] [--profile FILE.cpuprofile]
 *
 * `--rate` is deliveries per second (events/s = rate / n); 0 means full speed.
 */
import { fork } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { createHub as CreateHub } from '../../src/http/index.js';
import { startCpuProfile } from './inspector-profile.js';

interface Args {
  n: number;
  events: number;
  rate: number;
  plain: boolean;
  dist: boolean;
  flushDelayMs: number;
  profile: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    n: 1000,
    events: 2000,
    rate: 0,
    plain: false,
    dist: false,
    flushDelayMs: 0,
    profile: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--n') args.n = Number(argv[++i]);
    else if (flag === '--events') args.events = Number(argv[++i]);
    else if (flag === '--rate') args.rate = Number(argv[++i]);
    else if (flag === '--plain') args.plain = true;
    else if (flag === '--dist') args.dist = true;
    else if (flag === '--flush-delay-ms') args.flushDelayMs = Number(argv[++i]);
    else if (flag === '--profile') args.profile = argv[++i];
  }
  return args;
}

const BODY = 'x'.repeat(100);

/** Child: opens `n` sockets, GETs, reports 'ready' when all answered, then counts bytes. */
async function runClients(port: number, n: number): Promise<void> {
  const { connect } = await import('node:net');
  let ready = 0;
  let bytes = 0;
  const request = 'GET /.well-known/mercure?topic=bench HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  for (let i = 0; i < n; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => socket.write(request));
    socket.once('data', () => {
      if (++ready === n) process.send?.('ready');
    });
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    socket.on('error', () => {});
    if (i % 200 === 199) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  process.on('message', () => process.send?.(bytes));
}

function plainServer(): { handle: (req: IncomingMessage, res: ServerResponse) => void; publish: () => void } {
  const open = new Set<ServerResponse>();
  let seq = 0;
  return {
    handle(_req, res) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(':\n\n');
      open.add(res);
      res.on('close', () => open.delete(res));
    },
    publish() {
      const frame = Buffer.from(`id: ${++seq}\ndata: ${BODY}\n\n`);
      for (const res of open) res.write(frame);
    },
  };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--clients') {
    await runClients(Number(process.argv[3]), Number(process.argv[4]));
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  const { createHub } = (await import(
    args.dist ? '../../dist/http/index.js' : '../../src/http/index.js'
  )) as { createHub: typeof CreateHub };
  const plain = args.plain ? plainServer() : undefined;
  const herald = plain
    ? undefined
    : await createHub({
        allowAnonymous: true,
        heartbeatMs: 0,
        maxConnections: 1e7,
        maxConnectionsPerIp: 1e7,
        ...(args.flushDelayMs > 0 ? { flushDelayMs: args.flushDelayMs } : {}),
      });
  const server = createServer(plain ? plain.handle : herald!.handleNode);
  server.listen(0, '127.0.0.1', 4096);
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const child = fork(fileURLToPath(import.meta.url), ['--clients', String(port), String(args.n)], {
    execArgv: ['--import', 'tsx'],
  });
  await new Promise<void>((resolve) => child.once('message', () => resolve()));

  const publish = plain
    ? async () => plain.publish()
    : async () => {
        await herald!.publish({ topics: ['bench'], data: BODY });
      };
  // Warm-up: JIT the path before measuring.
  for (let i = 0; i < 200; i++) await publish();
  await new Promise((resolve) => setTimeout(resolve, 200));

  const stopProfile = await startCpuProfile(args.profile);
  const cpuBefore = process.cpuUsage();
  const startedMs = performance.now();
  if (args.rate > 0) {
    const intervalMs = (1000 * args.n) / args.rate;
    for (let i = 0; i < args.events; i++) {
      const dueMs = startedMs + i * intervalMs;
      const waitMs = dueMs - performance.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      await publish();
    }
  } else {
    // One event per turn: the fan-out's own batching is what is measured.
    for (let i = 0; i < args.events; i++) {
      await publish();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 50 + args.flushDelayMs));
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedMs = performance.now() - startedMs;
  await stopProfile();
  const deliveries = args.n * args.events;
  const name = plain ? 'plain node:http' : args.dist ? 'herald (dist)' : 'herald (tsx)';
  console.log(
    `${name} n=${args.n} events=${args.events} ${args.rate > 0 ? `rate=${args.rate}/s` : 'full speed'} ` +
      `flushDelayMs=${args.flushDelayMs}: ${(deliveries / (elapsedMs / 1000)).toFixed(0)} deliveries/s, ` +
      `CPU ${((cpu.user + cpu.system) / deliveries).toFixed(2)} µs/delivery ` +
      `(user ${(cpu.user / deliveries).toFixed(2)}, system ${(cpu.system / deliveries).toFixed(2)})`,
  );
  child.kill();
  server.closeAllConnections();
  server.close();
  await herald?.close();
}

await main();

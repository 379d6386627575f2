/**
 * What one idle SSE connection retains in the hub process, with evidence: the hub runs in THIS
 * process (so `global.gc()` and heap snapshots are possible), N subscribers connect from a child
 * process (its sockets do not pollute our heap), then we compare `process.memoryUsage()` after a
 * full GC and the heap snapshot's self sizes grouped by constructor, before and after, per
 * connection. `--plain` serves the same requests with bare node:http (headers, a Set) for the
 * baseline: the difference is what Herald adds. `--net` serves them with a bare `net` server
 * (reads the request head, writes the same response head and chunks): the floor of a socket.
 *
 *   node --expose-gc --import tsx bench/profile/idle-memory.ts [--n 5000] [--plain | --net] [--dist] [--top 30]
 *     [--edges] [--heartbeat-ms 15000] [--settle-ms 1500] [--rss-only] [--json] [--dist-dir <a copy of dist/>]
 *
 * `--rss-only` takes no heap snapshot (a snapshot's own allocations stay in RSS, so the RSS figure
 * is only clean without them); `--json` prints one JSON line instead of the tables (see
 * `idle-heap-by-constructor.ts`, which runs every target both ways and prints one table).
 *
 * `--dist` loads the compiled hub (`npm run build`): tsx compiles with esbuild's keep-names, whose
 * `__name(fn)` puts every closure into dictionary mode (+256 B each), which the build does not.
 */
import { fork } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getHeapSnapshot, writeHeapSnapshot } from 'node:v8';
import type { createHub as CreateHub, createHubServer as CreateHubServer } from '../../src/http/index.js';

interface Args {
  n: number;
  plain: boolean;
  net: boolean;
  takeover: boolean;
  rssOnly: boolean;
  json: boolean;
  top: number;
  edges: boolean;
  dist: boolean;
  /** A build elsewhere (e.g. a copy of `dist/` made before a change), for before/after runs. */
  distDir: string | undefined;
  /** Also write the heap snapshot with N connections here (for DevTools). */
  write: string | undefined;
  /** The hub's heartbeat interval; 0 (the default here) turns heartbeats off. */
  heartbeatMs: number;
  /** How long the connections sit idle before the measure (longer than heartbeatMs: heartbeats sent). */
  settleMs: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    n: 5000,
    plain: false,
    net: false,
    takeover: false,
    rssOnly: false,
    json: false,
    top: 30,
    edges: false,
    dist: false,
    write: undefined,
    distDir: undefined,
    heartbeatMs: 0,
    settleMs: 1500,
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--n') args.n = Number(argv[++i]);
    else if (argv[i] === '--plain') args.plain = true;
    else if (argv[i] === '--net') args.net = true;
    else if (argv[i] === '--plain-takeover') args.takeover = args.plain = true;
    else if (argv[i] === '--rss-only') args.rssOnly = true;
    else if (argv[i] === '--json') args.json = true;
    else if (argv[i] === '--top') args.top = Number(argv[++i]);
    else if (argv[i] === '--edges') args.edges = true;
    else if (argv[i] === '--dist') args.dist = true;
    else if (argv[i] === '--dist-dir') {
      args.distDir = argv[++i];
      args.dist = true;
    } else if (argv[i] === '--write') args.write = argv[++i];
    else if (argv[i] === '--heartbeat-ms') args.heartbeatMs = Number(argv[++i]);
    else if (argv[i] === '--settle-ms') args.settleMs = Number(argv[++i]);
  }
  return args;
}

const gc = (globalThis as { gc?: () => void }).gc;

function fullGc(): void {
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) gc();
}

/** Self size and count per constructor name, from one heap snapshot. */
async function heapByConstructor(
  withEdges: boolean,
): Promise<Map<string, { count: number; sizeBytes: number }>> {
  const chunks: string[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(String(chunk));
  const snapshot = JSON.parse(chunks.join('')) as {
    snapshot: {
      meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
    };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snapshot.snapshot.meta.node_types[0];
  const out = new Map<string, { count: number; sizeBytes: number }>();
  const { nodes, edges, strings } = snapshot;
  const labelOf = (i: number): string => {
    const type = types[nodes[i + typeAt]!] ?? '?';
    const name = type === 'object' || type === 'closure' ? strings[nodes[i + nameAt]!]! : `(${type})`;
    return type === 'closure' ? `closure ${name || '(anonymous)'}` : name;
  };
  const add = (key: string, sizeBytes: number) => {
    const row = out.get(key) ?? { count: 0, sizeBytes: 0 };
    row.count++;
    row.sizeBytes += sizeBytes;
    out.set(key, row);
  };
  const edgeCountAt = fields.indexOf('edge_count');
  const edgeFields = snapshot.snapshot.meta.edge_fields;
  const edgeStride = edgeFields.length;
  const edgeTypes = snapshot.snapshot.meta.edge_types[0];
  let e = 0;
  for (let i = 0; i < nodes.length; i += stride) {
    let label = labelOf(i);
    const edgeCount = nodes[i + edgeCountAt]!;
    if (withEdges && label === 'Object') {
      // Plain objects by their property names: which literal each one is.
      const names: string[] = [];
      for (let k = 0; k < edgeCount && names.length < 5; k++) {
        const at = e + k * edgeStride;
        const propertyName = strings[edges[at + 1]!]!;
        if (edgeTypes[edges[at]!] === 'property' && propertyName !== '__proto__') names.push(propertyName);
      }
      label = `Object {${names.join(',')}}`;
    }
    add(label, nodes[i + sizeAt]!);
    e += edgeCount * edgeStride;
  }
  if (!withEdges) return out;
  // Who holds the anonymous storage ((array), (hidden), strings): each such node is counted once,
  // under its first strong retainer, as "holder.edge -> child".
  const seen = new Uint8Array(nodes.length / stride);
  e = 0;
  for (let i = 0; i < nodes.length; i += stride) {
    const parent = labelOf(i);
    for (let k = 0; k < nodes[i + edgeCountAt]!; k++, e += edgeStride) {
      const edgeType = edgeTypes[edges[e]!];
      const child = edges[e + 2]!;
      if (edgeType === 'weak' || seen[child / stride] === 1) continue;
      seen[child / stride] = 1;
      const childLabel = labelOf(child);
      if (!childLabel.startsWith('(')) continue;
      const nameOrIndex = edges[e + 1]!;
      const edgeName =
        edgeType === 'element' || edgeType === 'hidden' ? `[${edgeType}]` : strings[nameOrIndex];
      add(`  ${parent}.${edgeName} -> ${childLabel}`, nodes[child + sizeAt]!);
    }
  }
  return out;
}

const HEARTBEAT = Buffer.from(':heartbeat\n\n');

/** One shared timer for every connection, as Herald does: nothing per connection. */
function everyInterval(heartbeatMs: number, tick: () => void): void {
  if (heartbeatMs > 0) setInterval(tick, heartbeatMs).unref();
}

function plainHandler(heartbeatMs: number): (req: IncomingMessage, res: ServerResponse) => void {
  const open = new Set<ServerResponse>();
  everyInterval(heartbeatMs, () => {
    for (const res of open) res.write(HEARTBEAT);
  });
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(':\n\n');
    open.add(res);
    res.on('close', () => open.delete(res));
  };
}

/**
 * node:http with the connection taken over after the head, as node:http itself does for an
 * upgrade: its socket listeners removed, its parser freed (back to the pool, or closed), the
 * request and response dropped; the socket is kept in a Set. What node:http costs once it is done.
 */
function takeoverHandler(heartbeatMs: number): (req: IncomingMessage, res: ServerResponse) => void {
  const open = new Set<Socket>();
  everyInterval(heartbeatMs, () => {
    for (const socket of open) socket.write(NET_HEARTBEAT);
  });
  const { freeParser } = createRequire(import.meta.url)('_http_common') as {
    freeParser: (parser: unknown, req: unknown, socket: unknown) => void;
  };
  function onClose(this: Socket): void {
    open.delete(this);
  }
  function onEnd(this: Socket): void {
    this.destroy();
  }
  function onError(): void {}
  function discard(): void {}
  return (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(':\n\n');
    const socket = req.socket as Socket & { parser?: { finish(): void } | null; _httpMessage?: unknown };
    for (const event of ['data', 'end', 'close', 'drain', 'error', 'timeout'])
      socket.removeAllListeners(event);
    const parser = socket.parser;
    parser?.finish();
    freeParser(parser, req, socket);
    socket._httpMessage = null;
    socket.on('data', discard);
    socket.on('end', onEnd);
    socket.on('close', onClose);
    socket.on('error', onError);
    open.add(socket);
  };
}

const NET_HEAD = Buffer.from(
  'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n' +
    'transfer-encoding: chunked\r\n\r\n3\r\n:\n\n\r\n',
);
const NET_HEARTBEAT = Buffer.concat([
  Buffer.from(`${HEARTBEAT.length.toString(16)}\r\n`),
  HEARTBEAT,
  Buffer.from('\r\n'),
]);

/**
 * The floor: a bare `net` server that reads the request head, writes a chunked SSE head and keeps
 * the socket in a Set. Shared listeners (`this` is the socket), no per-connection closure.
 */
function netServer(heartbeatMs: number): Server {
  const open = new Set<Socket>();
  everyInterval(heartbeatMs, () => {
    for (const socket of open) socket.write(NET_HEARTBEAT);
  });
  function onData(this: Socket, chunk: Buffer): void {
    if (!chunk.includes('\r\n\r\n')) return; // the bench's requests arrive in one segment
    this.removeListener('data', onData);
    this.write(NET_HEAD);
    open.add(this);
  }
  function onClose(this: Socket): void {
    open.delete(this);
  }
  function onError(): void {}
  return createNetServer((socket) => {
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onError);
  });
}

/** Child: opens `n` sockets, sends a GET on each, reports once every one got its first bytes. */
async function runClients(port: number, n: number): Promise<void> {
  const { connect } = await import('node:net');
  let ready = 0;
  const request = `GET /.well-known/mercure?topic=bench HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
  for (let i = 0; i < n; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => socket.write(request));
    socket.once('data', () => {
      if (++ready === n) process.send?.('ready');
    });
    socket.on('error', () => {});
    if (i % 200 === 199) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--clients') {
    await runClients(Number(process.argv[3]), Number(process.argv[4]));
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  const { createHub, createHubServer } = (await import(
    args.distDir !== undefined
      ? pathToFileURL(resolve(args.distDir, 'http/index.js')).href
      : args.dist
        ? '../../dist/http/index.js'
        : '../../src/http/index.js'
  )) as { createHub: typeof CreateHub; createHubServer: typeof CreateHubServer };
  const herald =
    args.plain || args.net
      ? undefined
      : await createHub({
          allowAnonymous: true,
          heartbeatMs: args.heartbeatMs,
          maxConnections: 1e7,
          maxConnectionsPerIp: 1e7,
          // As `herald serve` runs it (a build from before the option ignores it).
          takeOverConnections: true,
        });
  // The hub behind its own listener, as `herald serve` runs it (with the edge guard).
  const hubServer = herald === undefined ? undefined : createHubServer(herald);
  const server: Server = args.net
    ? netServer(args.heartbeatMs)
    : ((hubServer?.server as Server | undefined) ??
      createServer(args.takeover ? takeoverHandler(args.heartbeatMs) : plainHandler(args.heartbeatMs)));
  server.listen(0, '127.0.0.1', 4096);
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;

  fullGc();
  const before = process.memoryUsage();
  const heapBefore = args.rssOnly ? new Map() : await heapByConstructor(args.edges);
  fullGc();

  const child = fork(fileURLToPath(import.meta.url), ['--clients', String(port), String(args.n)], {
    execArgv: ['--import', 'tsx'],
  });
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, args.settleMs));
  fullGc();
  const after = process.memoryUsage();
  const heapAfter = args.rssOnly ? new Map() : await heapByConstructor(args.edges);
  if (args.write !== undefined) writeHeapSnapshot(args.write);

  const perBytes = (key: keyof NodeJS.MemoryUsage) => (after[key] - before[key]) / args.n;
  const per = (key: keyof NodeJS.MemoryUsage) => (perBytes(key) / 1024).toFixed(2);
  const target = args.net
    ? 'bare net'
    : args.takeover
      ? 'node:http taken over'
      : args.plain
        ? 'plain node:http'
        : args.distDir !== undefined
          ? `herald (${args.distDir})`
          : args.dist
            ? 'herald (dist)'
            : 'herald (tsx)';
  const rows = [...heapAfter].map(([name, row]) => {
    const base = heapBefore.get(name) ?? { count: 0, sizeBytes: 0 };
    return {
      name,
      count: (row.count - base.count) / args.n,
      bytes: (row.sizeBytes - base.sizeBytes) / args.n,
    };
  });
  rows.sort((a, b) => b.bytes - a.bytes);
  const total = rows.filter((row) => !row.name.startsWith(' ')).reduce((sum, row) => sum + row.bytes, 0);
  if (args.json) {
    const memory = Object.fromEntries(
      (['rss', 'heapUsed', 'heapTotal', 'external', 'arrayBuffers'] as const).map((key) => [
        key,
        perBytes(key),
      ]),
    );
    console.log(
      JSON.stringify({
        target,
        n: args.n,
        rssOnly: args.rssOnly,
        memory,
        snapshotBytes: total,
        rows: rows.filter((row) => Math.abs(row.bytes) >= 0.5),
      }),
    );
  } else {
    console.log(`# ${target}: ${args.n} idle SSE connections, heartbeats ${args.heartbeatMs || 'off'}`);
    console.log(
      `per connection after full GC: heapUsed ${per('heapUsed')} KiB, external ${per('external')} KiB, ` +
        `heapTotal ${per('heapTotal')} KiB, arrayBuffers ${per('arrayBuffers')} KiB, rss ${per('rss')} KiB`,
    );
    if (!args.rssOnly) {
      console.log(`heap snapshot, self size per connection: ${total.toFixed(0)} B total`);
      console.log('| constructor | objects/conn | bytes/conn |\n|---|---:|---:|');
      for (const row of rows.slice(0, args.top)) {
        console.log(`| ${row.name.slice(0, 60)} | ${row.count.toFixed(2)} | ${row.bytes.toFixed(0)} |`);
      }
    }
  }
  child.kill();
  // node:http's connection list still names the parsers freed by a take-over (their socket is
  // null), and its close() then throws: a take-over must keep the server out of its shutdown.
  if (args.takeover) {
    process.stdout.write('', () => process.exit(0));
    return;
  }
  if (hubServer !== undefined) hubServer.closeAllConnections();
  else (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  server.close();
  await herald?.close();
}

await main();

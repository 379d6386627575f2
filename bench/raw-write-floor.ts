/**
 * The floor of a fixed-rate fan-out: what ONE write of one ~100-byte event to one SSE connection
 * costs on this machine, by the way it is written. N readers connect from a child process (raw
 * sockets that discard what they read); this process writes one event to every connection per
 * tick, `--rate` deliveries per second in all, and reports its own CPU time (user and system, from
 * `process.cpuUsage`) per write. Modes, run one after the other on the same connections and
 * repeated `--rounds` times in alternation:
 *
 * - `response`: `res.write(bytes)` on node:http, the socket corked around it (what Herald did:
 *   node:http frames the chunk, one `writev` of four iovecs per write).
 * - `socket`: `socket.write(frame)` with the chunk frame built once per event and the same
 *   `Buffer` written to every socket (one `write` per delivery, no HTTP machinery).
 * - `syscall`: `fs.writeSync(fd, frame)` straight on the socket's file descriptor: the system call
 *   alone, no libuv or stream bookkeeping. The kernel's cost per write: nothing in user space can
 *   go below it without writing less often.
 *
 *   node --import tsx bench/raw-write-floor.ts [--n 1000] [--rate 50000] [--seconds 2] [--rounds 3]
 */
import { fork } from 'node:child_process';
import { writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

type Mode = 'response' | 'socket' | 'syscall';
const MODES: readonly Mode[] = ['response', 'socket', 'syscall'];

interface Args {
  n: number;
  rate: number;
  seconds: number;
  rounds: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { n: 1000, rate: 50_000, seconds: 2, rounds: 3 };
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--n') args.n = value;
    else if (argv[i] === '--rate') args.rate = value;
    else if (argv[i] === '--seconds') args.seconds = value;
    else if (argv[i] === '--rounds') args.rounds = value;
  }
  return args;
}

/** Child: opens `n` sockets, sends a GET on each, reports `ready` once all answered, discards bytes. */
async function runReaders(port: number, n: number): Promise<void> {
  const { connect } = await import('node:net');
  let answered = 0;
  const request = 'GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  for (let i = 0; i < n; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => socket.write(request));
    socket.once('data', () => {
      if (++answered === n) process.send?.('ready');
    });
    socket.on('data', () => {});
    socket.on('error', () => {});
    if (i % 200 === 199) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `data: <payload>\n\n` framed as one HTTP/1.1 chunk. */
function chunkFrame(seq: number): Buffer {
  const event = Buffer.from(`id: ${seq}\ndata: ${'x'.repeat(88)}\n\n`);
  return Buffer.concat([Buffer.from(`${event.length.toString(16)}\r\n`), event, Buffer.from('\r\n')]);
}

function eventBytes(seq: number): Buffer {
  return Buffer.from(`id: ${seq}\ndata: ${'x'.repeat(88)}\n\n`);
}

interface Connection {
  res: ServerResponse;
  socket: Socket;
  fd: number;
}

function writeAll(mode: Mode, connections: readonly Connection[], seq: number): void {
  if (mode === 'response') {
    const bytes = eventBytes(seq);
    for (const { res, socket } of connections) {
      socket.cork();
      res.write(bytes);
      socket.uncork();
    }
    return;
  }
  const frame = chunkFrame(seq);
  if (mode === 'socket') {
    for (const { socket } of connections) socket.write(frame);
    return;
  }
  for (const { fd } of connections) writeSync(fd, frame);
}

interface Round {
  mode: Mode;
  writes: number;
  userUs: number;
  systemUs: number;
}

async function runRound(mode: Mode, connections: readonly Connection[], args: Args): Promise<Round> {
  const events = Math.max(1, Math.round((args.rate / connections.length) * args.seconds));
  const intervalMs = (args.seconds * 1000) / events;
  const start = process.cpuUsage();
  const startMs = performance.now();
  for (let seq = 0; seq < events; seq++) {
    writeAll(mode, connections, seq);
    const dueMs = startMs + (seq + 1) * intervalMs;
    const waitMs = dueMs - performance.now();
    await new Promise((resolve) => (waitMs > 1 ? setTimeout(resolve, waitMs) : setImmediate(resolve)));
  }
  const used = process.cpuUsage(start);
  return { mode, writes: events * connections.length, userUs: used.user, systemUs: used.system };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--readers') {
    await runReaders(Number(process.argv[3]), Number(process.argv[4]));
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  const connections: Connection[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.write(':\n\n');
    const socket = req.socket;
    socket.setNoDelay(true);
    const fd = (socket as unknown as { _handle: { fd: number } })._handle.fd;
    connections.push({ res, socket, fd });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 4096, resolve));
  const { port } = server.address() as AddressInfo;
  const child = fork(fileURLToPath(import.meta.url), ['--readers', String(port), String(args.n)], {
    execArgv: ['--import', 'tsx'],
  });
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  const rounds: Round[] = [];
  for (let round = 0; round < args.rounds; round++) {
    for (const mode of MODES) rounds.push(await runRound(mode, connections, args));
  }
  process.stdout.write(`N = ${args.n}, ${args.rate} writes/s, ${args.seconds} s x ${args.rounds} rounds\n`);
  process.stdout.write('| mode | µs/write (each round) | user µs | system µs |\n|---|---|---:|---:|\n');
  for (const mode of MODES) {
    const mine = rounds.filter((r) => r.mode === mode);
    const perWrite = mine.map((r) => ((r.userUs + r.systemUs) / r.writes).toFixed(2));
    const sum = (pick: (r: Round) => number) => mine.reduce((total, r) => total + pick(r), 0);
    const writes = sum((r) => r.writes);
    process.stdout.write(
      `| ${mode} | ${perWrite.join(' / ')} | ${(sum((r) => r.userUs) / writes).toFixed(2)} | ${(sum((r) => r.systemUs) / writes).toFixed(2)} |\n`,
    );
  }
  child.kill();
  server.closeAllConnections();
  server.close();
}

await main();

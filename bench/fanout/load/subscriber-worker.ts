/**
 * A load-generator process holding thousands of SSE subscribers on raw sockets. Each subscriber is a
 * socket, a scanner and a few counters: no http.ClientRequest, no parser library, so one process can
 * hold many thousands of sockets and still count millions of deliveries per second.
 * Commands arrive over IPC (see protocol.ts).
 */
import { connect, type Socket } from 'node:net';
import { openFileLimit } from '../proc-stats.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { DecodedPayload } from './payload.js';
import type {
  AwaitCommand,
  ConnectCommand,
  ConnectReply,
  ProgressReply,
  RunReply,
  SubscriberCommand,
  SubscriberReply,
} from './protocol.js';
import { type ScanSink, SseResponseScanner } from './sse-response-scanner.js';
import { calibratedWallClockUs } from './wall-clock.js';

const nowUs = calibratedWallClockUs();
const histogram = new LatencyHistogram();
let runId = -1;
/** Sequence numbers of the armed run are below this; sized so each subscriber keeps a bitmap. */
let maxEvents = 0;
let receiveNowUs = 0;
let deliveries = 0;
let lastReceiveUs = 0;
let disconnected = 0;

class Subscriber implements ScanSink {
  readonly scanner = new SseResponseScanner(this);
  socket: Socket | undefined;
  status = 0;
  open = false;
  lastSeq = -1;
  /** Distinct events of the run received. */
  distinct = 0;
  duplicates = 0;
  /** Deliveries with a lower sequence number than one already received (send order broken). */
  outOfOrder = 0;
  /**
   * A rolling hash of the order of arrival. Every subscriber of one topic must see the hub's one
   * order, so subscribers whose hash differs from the majority's saw a different order, whatever
   * order the publisher's requests were committed in.
   */
  orderHash = 0;
  seen: Uint8Array | undefined;
  onStatus: ((status: number) => void) | undefined;

  onHeaders(status: number): void {
    this.status = status;
    this.onStatus?.(status);
    this.onStatus = undefined;
  }

  onPayload(payload: DecodedPayload): void {
    if (payload.runId !== runId) return;
    deliveries++;
    lastReceiveUs = receiveNowUs;
    histogram.record(receiveNowUs - payload.sentUs);
    const seq = payload.seq;
    this.orderHash = (Math.imul(this.orderHash, 31) + seq + 1) | 0;
    if (seq < this.lastSeq) this.outOfOrder++;
    else this.lastSeq = seq;
    if (seq >= maxEvents) return;
    this.seen ??= new Uint8Array(maxEvents);
    if (this.seen[seq] === 1) {
      this.duplicates++;
    } else {
      this.seen[seq] = 1;
      this.distinct++;
    }
  }

  arm(): void {
    this.lastSeq = -1;
    this.distinct = 0;
    this.duplicates = 0;
    this.outOfOrder = 0;
    this.orderHash = 0;
    this.seen = undefined;
  }
}

let subscribers: Subscriber[] = [];

function reply(message: SubscriberReply): void {
  process.send?.(message);
}

function count(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

/** Opens one subscriber; resolves with its status (0 when the socket failed before the headers). */
function openSubscriber(command: ConnectCommand, index: number, errors: Record<string, number>) {
  const subscriber = new Subscriber();
  // One address: let connect() pick the port (cheaper than bind(), and ports are shared per
  // destination). Several: bind each socket to its source address in turn.
  const addresses = command.localAddresses;
  const localAddress =
    addresses.length > 1 ? addresses[(command.firstIndex + index) % addresses.length] : undefined;
  return new Promise<Subscriber>((resolve) => {
    const socket = connect({
      host: command.host,
      port: command.port,
      noDelay: true,
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    subscriber.socket = socket;
    const settle = () => resolve(subscriber);
    const timer = setTimeout(() => {
      count(errors, 'TIMEOUT');
      socket.destroy();
    }, command.timeoutMs);
    subscriber.onStatus = () => {
      clearTimeout(timer);
      settle();
    };
    socket.setEncoding('latin1');
    socket.on('connect', () => {
      subscriber.open = true;
      socket.write(command.request);
    });
    socket.on('data', (text: string) => {
      receiveNowUs = nowUs();
      subscriber.scanner.feed(text);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => count(errors, error.code ?? 'ERROR'));
    socket.on('close', () => {
      clearTimeout(timer);
      if (subscriber.open && subscriber.status === 200) disconnected++;
      subscriber.open = false;
      settle();
    });
  });
}

async function connectAll(command: ConnectCommand): Promise<ConnectReply> {
  const errors: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  let next = 0;
  const opened: Subscriber[] = [];
  // A bounded number of handshakes in flight: a burst of thousands of SYNs overflows the listen
  // backlog and turns into 1 s, 3 s, 7 s retransmits that say nothing about the server.
  const lane = async () => {
    while (next < command.count) {
      const subscriber = await openSubscriber(command, next++, errors);
      count(statuses, String(subscriber.status));
      opened.push(subscriber);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, command.concurrency) }, lane));
  const live: Subscriber[] = [];
  for (const s of opened) {
    if (s.open && s.status === 200) live.push(s);
    else s.socket?.destroy();
  }
  subscribers = subscribers.concat(live);
  disconnected = 0;
  return {
    type: 'connected',
    ok: live.length,
    failed: command.count - live.length,
    errors,
    statuses,
    fdLimit: openFileLimit(),
  };
}

function progress(): ProgressReply {
  let reached = 0;
  let open = 0;
  for (const s of subscribers) {
    if (s.open) open++;
    if (s.distinct > 0) reached++;
  }
  return { type: 'progress', reached, open, deliveries };
}

function result(expected: number): RunReply {
  let lost = 0;
  let outOfOrder = 0;
  let duplicates = 0;
  const orders: Record<string, number> = {};
  for (const s of subscribers) {
    lost += Math.max(0, expected - s.distinct);
    outOfOrder += s.outOfOrder;
    duplicates += s.duplicates;
    count(orders, String(s.orderHash));
  }
  return {
    type: 'result',
    deliveries,
    lost,
    outOfOrder,
    duplicates,
    orders,
    disconnected,
    lastReceiveUs,
    histogram: histogram.snapshot(),
  };
}

/** Waits (polling every 20 ms, cheap next to the sockets) until every subscriber has `expected`. */
function awaitRun(command: AwaitCommand): Promise<RunReply> {
  const deadline = Date.now() + command.timeoutMs;
  return new Promise((resolve) => {
    const check = () => {
      const done = subscribers.every((s) => s.distinct >= command.expected || !s.open);
      if (done || Date.now() >= deadline) resolve(result(command.expected));
      else setTimeout(check, 20);
    };
    check();
  });
}

async function handle(command: SubscriberCommand): Promise<void> {
  switch (command.type) {
    case 'connect':
      reply(await connectAll(command));
      return;
    case 'arm':
      runId = command.runId;
      maxEvents = command.maxEvents;
      deliveries = 0;
      lastReceiveUs = 0;
      histogram.reset();
      for (const s of subscribers) s.arm();
      reply({ type: 'progress', reached: 0, open: subscribers.length, deliveries: 0 });
      return;
    case 'progress':
      reply(progress());
      return;
    case 'await':
      reply(await awaitRun(command));
      return;
    case 'close':
      for (const s of subscribers) s.socket?.destroy();
      subscribers = [];
      reply({ type: 'closed' });
      return;
  }
}

process.on('message', (command: SubscriberCommand) => {
  void handle(command);
});
process.on('disconnect', () => process.exit(0));

/**
 * The subscriber load processes, shared by all cells: spawned once, grown when a cell needs more
 * sockets than the current processes may hold, and told to connect, arm, report and close together.
 */

import { mergeSnapshots } from './load/latency-histogram.js';
import { LoadProcess } from './load/load-process.js';
import type {
  ConnectReply,
  ProgressReply,
  RunReply,
  SubscriberCommand,
  SubscriberReply,
} from './load/protocol.js';

/** Sockets per load process: under a 20 000 open-file limit, and few enough to stay cheap. */
export const SOCKETS_PER_PROCESS = 15_000;
/** Sockets per source address: the ephemeral range (32768-60999) gives ~28 000 per address. */
export const SOCKETS_PER_ADDRESS = 20_000;

export interface ConnectOutcome {
  ok: number;
  failed: number;
  errors: Record<string, number>;
  statuses: Record<string, number>;
  /** The lowest open-file limit among the load processes. */
  clientFdLimit: number | null;
  maxSocketsPerProcess: number;
}

export interface RunOutcome {
  deliveries: number;
  lost: number;
  outOfOrder: number;
  duplicates: number;
  /** Subscribers whose order of arrival differs from the most common one. */
  orderSplits: number;
  disconnected: number;
  lastReceiveUs: number;
  histogram: ReturnType<typeof mergeSnapshots>;
}

function orderSplits(perProcess: readonly Record<string, number>[]): number {
  const merged = new Map<string, number>();
  let total = 0;
  for (const orders of perProcess) {
    for (const [hash, n] of Object.entries(orders)) {
      merged.set(hash, (merged.get(hash) ?? 0) + n);
      total += n;
    }
  }
  return total - Math.max(0, ...merged.values());
}

/** A subscriber without response headers by then counts as failed (a full server may never answer). */
const CONNECT_TIMEOUT_MS = 10_000;

type Worker = LoadProcess<SubscriberCommand, SubscriberReply>;

export class SubscriberPool {
  readonly #repoRoot: string;
  readonly #minProcesses: number;
  #workers: Worker[] = [];
  /** Workers holding sockets right now (the first n of #workers). */
  #active = 0;

  constructor(repoRoot: string, minProcesses: number) {
    this.#repoRoot = repoRoot;
    this.#minProcesses = Math.max(1, minProcesses);
  }

  #activeWorkers(): Worker[] {
    return this.#workers.slice(0, this.#active);
  }

  async connect(host: string, port: number, request: string, count: number): Promise<ConnectOutcome> {
    const processes = Math.max(this.#minProcesses, Math.ceil(count / SOCKETS_PER_PROCESS));
    while (this.#workers.length < processes) {
      this.#workers.push(new LoadProcess(this.#repoRoot, 'subscriber-worker.ts'));
    }
    this.#active = processes;
    const addresses = Array.from(
      { length: Math.max(1, Math.ceil(count / SOCKETS_PER_ADDRESS)) },
      (_, i) => `127.0.0.${i + 1}`,
    );
    const shares = Array.from(
      { length: processes },
      (_, i) => Math.floor(count / processes) + (i < count % processes ? 1 : 0),
    );
    let firstIndex = 0;
    const replies = await Promise.all(
      this.#activeWorkers().map((worker, i) => {
        const share = shares[i] ?? 0;
        const command: SubscriberCommand = {
          type: 'connect',
          host,
          port,
          request,
          count: share,
          localAddresses: addresses,
          firstIndex,
          concurrency: 128,
          timeoutMs: CONNECT_TIMEOUT_MS,
        };
        firstIndex += share;
        return worker.request<ConnectReply>(command, 'connected');
      }),
    );
    const outcome: ConnectOutcome = {
      ok: 0,
      failed: 0,
      errors: {},
      statuses: {},
      clientFdLimit: null,
      maxSocketsPerProcess: Math.max(...shares),
    };
    for (const reply of replies) {
      outcome.ok += reply.ok;
      outcome.failed += reply.failed;
      for (const [k, v] of Object.entries(reply.errors)) outcome.errors[k] = (outcome.errors[k] ?? 0) + v;
      for (const [k, v] of Object.entries(reply.statuses))
        outcome.statuses[k] = (outcome.statuses[k] ?? 0) + v;
      if (reply.fdLimit !== null)
        outcome.clientFdLimit = Math.min(outcome.clientFdLimit ?? Infinity, reply.fdLimit);
    }
    return outcome;
  }

  /** PIDs of the processes holding sockets now (to check the load generator is not the bottleneck). */
  activePids(): number[] {
    return this.#activeWorkers().map((w) => w.child.pid ?? 0);
  }

  async arm(runId: number, maxEvents: number): Promise<void> {
    await Promise.all(
      this.#activeWorkers().map((w) => w.request({ type: 'arm', runId, maxEvents }, 'progress')),
    );
  }

  /** Open subscribers, and how many of them received an event of the armed run. */
  async progress(runId: number): Promise<{ reached: number; open: number }> {
    const replies = await Promise.all(
      this.#activeWorkers().map((w) => w.request<ProgressReply>({ type: 'progress', runId }, 'progress')),
    );
    return {
      reached: replies.reduce((sum, r) => sum + r.reached, 0),
      open: replies.reduce((sum, r) => sum + r.open, 0),
    };
  }

  async await(runId: number, expected: number, timeoutMs: number): Promise<RunOutcome> {
    const replies = await Promise.all(
      this.#activeWorkers().map((w) =>
        w.request<RunReply>({ type: 'await', runId, expected, timeoutMs }, 'result'),
      ),
    );
    return {
      deliveries: replies.reduce((sum, r) => sum + r.deliveries, 0),
      lost: replies.reduce((sum, r) => sum + r.lost, 0),
      outOfOrder: replies.reduce((sum, r) => sum + r.outOfOrder, 0),
      duplicates: replies.reduce((sum, r) => sum + r.duplicates, 0),
      orderSplits: orderSplits(replies.map((r) => r.orders)),
      disconnected: replies.reduce((sum, r) => sum + r.disconnected, 0),
      lastReceiveUs: Math.max(0, ...replies.map((r) => r.lastReceiveUs)),
      histogram: mergeSnapshots(replies.map((r) => r.histogram)),
    };
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#activeWorkers().map((w) => w.request({ type: 'close' }, 'closed')));
    this.#active = 0;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.stop()));
    this.#workers = [];
    this.#active = 0;
  }
}

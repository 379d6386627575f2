/**
 * One throughput cell: S subscribers on a fresh topic, then a full-speed run and a fixed-rate run,
 * each preceded by a warm-up that proves every subscription is live. The server's CPU time is read
 * from /proc just before the first event is sent and just after the last subscriber has all events.
 */
import { cpus } from 'node:os';
import { percentileUs } from './load/latency-histogram.js';
import type { LoadProcess } from './load/load-process.js';
import { DEFAULT_PAYLOAD_BYTES } from './load/payload.js';
import type { PublishCommand, PublishReply } from './load/protocol.js';
import { cpuTimeUs, openFileLimit, rssBytes, targetProcesses } from './proc-stats.js';
import type { PublishMode, ThroughputCell } from './results.js';
import type { ConnectOutcome, SubscriberPool } from './subscriber-pool.js';
import type { RunningTarget } from './targets/target.js';

export interface ThroughputSettings {
  /** Deliveries a full-speed run aims at (events = this / subscribers). */
  deliveriesPerFullRun: number;
  /** Fixed-rate runs: deliveries per second asked for, and for how long. */
  rateDeliveriesPerSec: number;
  rateSeconds: number;
  /** Upper bound on the publishing phase of any run. */
  maxPublishSeconds: number;
  pipelineWindow: number;
}

export type Publisher = LoadProcess<PublishCommand, PublishReply>;

let nextRunId = 1;
/** A run id no other run of this benchmark used (subscribers count events per run). */
export function newRunId(): number {
  return nextRunId++;
}
const WARMUP_TIMEOUT_MS = 10_000;
const WARMUP_MAX_EVENTS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Publishes one event of run `runId` to `topic`; resolves with the publisher's reply. */
export function publishOne(
  publisher: Publisher,
  target: RunningTarget,
  topic: string,
  runId: number,
  deadlineMs: number,
): Promise<PublishReply> {
  return publisher.request<PublishReply>(
    {
      type: 'publish',
      spec: target.publishSpec(topic),
      runId,
      count: 1,
      eventsPerSec: null,
      window: 1,
      payloadBytes: DEFAULT_PAYLOAD_BYTES,
      deadlineMs,
    },
    'published',
  );
}

/** Publishes one event at a time until every open subscriber has seen one of this run. */
async function warmUp(pool: SubscriberPool, publisher: Publisher, target: RunningTarget, topic: string) {
  const runId = newRunId();
  await pool.arm(runId, WARMUP_MAX_EVENTS);
  const deadline = Date.now() + WARMUP_TIMEOUT_MS;
  let seq = 0;
  while (Date.now() < deadline) {
    await publishOne(publisher, target, topic, runId, 5000);
    seq++;
    await sleep(seq < 3 ? 50 : 200);
    const { reached, open } = await pool.progress(runId);
    if (reached >= open) return { reached, open };
  }
  return pool.progress(runId);
}

export function connectNotes(outcome: ConnectOutcome, requested: number, serverPid: number): string[] {
  if (outcome.failed === 0) return [];
  const notes = [`${outcome.failed} of ${requested} subscribers failed to connect`];
  const errors = Object.entries(outcome.errors).map(([k, v]) => `${k}×${v}`);
  const statuses = Object.entries(outcome.statuses)
    .filter(([k]) => k !== '200')
    .map(([k, v]) => `status ${k === '0' ? 'none' : k}×${v}`);
  if (errors.length + statuses.length > 0) notes.push([...errors, ...statuses].join(', '));
  const serverLimit = openFileLimit(serverPid);
  if (serverLimit !== null && requested + 16 >= serverLimit) {
    notes.push(`limited by the server's open-file limit (${serverLimit}); raise the hard limit (ulimit -Hn)`);
  }
  if (outcome.clientFdLimit !== null && outcome.maxSocketsPerProcess + 16 >= outcome.clientFdLimit) {
    notes.push(`limited by the load generator's open-file limit (${outcome.clientFdLimit})`);
  }
  return notes;
}

async function measuredRun(
  pool: SubscriberPool,
  publisher: Publisher,
  target: RunningTarget,
  topic: string,
  subscribers: number,
  mode: PublishMode,
  settings: ThroughputSettings,
) {
  const notes: string[] = [];
  const warm = await warmUp(pool, publisher, target, topic);
  if (warm.reached < warm.open) notes.push(`${warm.open - warm.reached} subscribers got no warm-up event`);
  await sleep(100);
  const isRate = mode === 'fixed-rate';
  const eventsPerSec = isRate ? settings.rateDeliveriesPerSec / subscribers : null;
  const count = isRate
    ? Math.max(5, Math.round((eventsPerSec ?? 0) * settings.rateSeconds))
    : Math.min(20_000, Math.max(20, Math.round(settings.deliveriesPerFullRun / subscribers)));
  const runId = newRunId();
  await pool.arm(runId, count);
  const tree = targetProcesses(target);
  const loadPids = [...pool.activePids(), publisher.child.pid ?? 0];
  const loadCpuBeforeUs = cpuTimeUs(loadPids);
  const cpuBeforeUs = cpuTimeUs(tree);
  const published = await publisher.request<PublishReply>(
    {
      type: 'publish',
      spec: target.publishSpec(topic),
      runId,
      count,
      eventsPerSec,
      window: isRate ? 100_000 : settings.pipelineWindow,
      payloadBytes: DEFAULT_PAYLOAD_BYTES,
      deadlineMs: settings.maxPublishSeconds * 1000,
    },
    'published',
  );
  const publishMs = Math.max(0, (published.lastAckUs - published.firstSendUs) / 1000);
  const received = await pool.await(runId, published.acked, Math.max(10_000, 2 * publishMs));
  const serverCpuUs = cpuTimeUs(tree) - cpuBeforeUs;
  const loadCpuUs = cpuTimeUs(loadPids) - loadCpuBeforeUs;
  if (published.sent < count)
    notes.push(`publishing stopped at the deadline after ${published.sent} of ${count}`);
  const durationMs = Math.max(0.001, (received.lastReceiveUs - published.firstSendUs) / 1000);
  const h = received.histogram;
  // Several load processes share the machine's cores with the server; if together they used nearly
  // all the time of the cores left to them, they, not the server, may have set the pace.
  const loadCores = Math.min(loadPids.length, Math.max(1, cpus().length - 1));
  const loadShare = loadCpuUs / (durationMs * 1000 * loadCores);
  if (loadShare > 0.85) {
    notes.push(
      `the load generator used ${Math.round(loadShare * 100)}% of ${loadCores} core(s): throughput may be client-bound`,
    );
  }
  const cell: ThroughputCell = {
    kind: 'throughput',
    target: target.name,
    subscribersRequested: subscribers,
    subscribers: warm.open,
    mode,
    targetDeliveriesPerSec: isRate ? settings.rateDeliveriesPerSec : null,
    eventsSent: published.sent,
    eventsAcked: published.acked,
    publishErrors: published.errors,
    deliveries: received.deliveries,
    durationMs,
    deliveriesPerSec: received.deliveries / (durationMs / 1000),
    latencyP50Ms: percentileUs(h, 0.5) / 1000,
    latencyP99Ms: percentileUs(h, 0.99) / 1000,
    latencyMaxMs: h.maxUs / 1000,
    lost: received.lost,
    outOfOrder: received.outOfOrder,
    orderSplits: received.orderSplits,
    duplicates: received.duplicates,
    disconnected: received.disconnected,
    serverCpuUs,
    cpuUsPerDelivery: received.deliveries > 0 ? serverCpuUs / received.deliveries : Number.NaN,
    serverRssBytes: rssBytes(tree),
    loadGeneratorCpuUsPerDelivery: received.deliveries > 0 ? loadCpuUs / received.deliveries : Number.NaN,
    notes,
  };
  if (received.outOfOrder > 0 && received.orderSplits === 0) {
    notes.push(
      'every subscriber saw the same order, which differs from the send order: the server committed overlapping (pipelined) publish requests in another order',
    );
  }
  // A few microseconds of calibration error show up as "negative" latencies only when the server
  // is faster than that; worth a note only when it is more than a trace.
  if (h.negative > h.total / 1000)
    notes.push(`${h.negative} deliveries timed before their send (clock calibration)`);
  return cell;
}

let nextTopic = 1;

export async function runThroughputCells(
  pool: SubscriberPool,
  publisher: Publisher,
  target: RunningTarget,
  subscribers: number,
  settings: ThroughputSettings,
  onPhase: (label: string) => void,
): Promise<ThroughputCell[]> {
  const topic = `bench${nextTopic++}`;
  onPhase(`${target.name} S=${subscribers}: connecting`);
  const outcome = await pool.connect(target.host, target.port, target.subscribeRequest(topic), subscribers);
  const notes = connectNotes(outcome, subscribers, target.pid);
  const cells: ThroughputCell[] = [];
  try {
    if (outcome.ok === 0) throw new Error(`no subscriber could connect: ${notes.join('; ')}`);
    for (const mode of ['full-speed', 'fixed-rate'] as const) {
      onPhase(`${target.name} S=${subscribers}: ${mode}`);
      const cell = await measuredRun(pool, publisher, target, topic, outcome.ok, mode, settings);
      cell.subscribersRequested = subscribers;
      cell.notes.unshift(...notes);
      cells.push(cell);
    }
  } finally {
    await pool.closeAll();
  }
  return cells;
}

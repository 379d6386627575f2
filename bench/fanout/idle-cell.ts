/**
 * Memory per idle connection: a freshly started server, its RSS with no subscriber, then with N
 * subscribers that have all received their response headers, after a short settle.
 * (RSS with N − RSS at rest) / N; with `--idle-steady-s`, again after that long idle on both sides
 * (the steady state, once V8 has given back the pages of the connections' garbage). Kernel socket buffers are not in RSS; the comparison is of what
 * each server itself keeps per connection. Then one event is published and timed from its send
 * until the last of the N subscribers has it: the cost of waking every idle connection at once.
 */

import { rssBytes, targetProcesses } from './proc-stats.js';
import type { IdleCell } from './results.js';
import type { SubscriberPool } from './subscriber-pool.js';
import type { RunningTarget } from './targets/target.js';
import { connectNotes, newRunId, type Publisher, publishOne } from './throughput-cell.js';

const SETTLE_MS = 1500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runIdleCell(
  pool: SubscriberPool,
  publisher: Publisher,
  target: RunningTarget,
  connections: number,
  steadyMs: number,
  onPhase: (label: string) => void,
): Promise<IdleCell> {
  await sleep(500);
  const rssBaselineBytes = rssBytes(targetProcesses(target));
  if (steadyMs > 0) {
    onPhase(`${target.name} idle N=${connections}: idling ${steadyMs / 1000} s at rest`);
    await sleep(steadyMs);
  }
  const rssSteadyBaselineBytes = rssBytes(targetProcesses(target));
  onPhase(`${target.name} idle N=${connections}: connecting`);
  const outcome = await pool.connect(
    target.host,
    target.port,
    target.subscribeRequest(`idle${connections}`),
    connections,
  );
  try {
    onPhase(`${target.name} idle N=${connections}: settling`);
    await sleep(SETTLE_MS);
    const rss = rssBytes(targetProcesses(target));
    let steady: IdleCell['steady'];
    if (steadyMs > 0) {
      onPhase(`${target.name} idle N=${connections}: idling ${steadyMs / 1000} s`);
      await sleep(Math.max(0, steadyMs - SETTLE_MS));
      const rssSteady = rssBytes(targetProcesses(target));
      steady = {
        idleMs: steadyMs,
        rssBaselineBytes: rssSteadyBaselineBytes,
        rssBytes: rssSteady,
        bytesPerConnection: outcome.ok > 0 ? (rssSteady - rssSteadyBaselineBytes) / outcome.ok : Number.NaN,
      };
    }
    onPhase(`${target.name} idle N=${connections}: one publish to all`);
    const reach = await publishToAll(pool, publisher, target, `idle${connections}`);
    return {
      kind: 'idle',
      target: target.name,
      connectionsRequested: connections,
      connections: outcome.ok,
      rssBaselineBytes,
      rssBytes: rss,
      bytesPerConnection: outcome.ok > 0 ? (rss - rssBaselineBytes) / outcome.ok : Number.NaN,
      ...(steady === undefined ? {} : { steady }),
      reachedAll: reach.reached,
      publishToAllMs: reach.ms,
      notes: connectNotes(outcome, connections, target.pid),
    };
  } finally {
    await pool.closeAll();
  }
}

/** Publishes one event and waits until every open subscriber has it; how many did, and how long. */
async function publishToAll(
  pool: SubscriberPool,
  publisher: Publisher,
  target: RunningTarget,
  topic: string,
): Promise<{ reached: number; ms: number }> {
  const runId = newRunId();
  await pool.arm(runId, 1);
  const published = await publishOne(publisher, target, topic, runId, 10_000);
  const received = await pool.await(runId, published.acked, 60_000);
  return {
    reached: received.deliveries,
    ms: Math.max(0, (received.lastReceiveUs - published.firstSendUs) / 1000),
  };
}

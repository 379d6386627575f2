/**
 * Memory per idle connection: a freshly started server, its RSS with no subscriber, then with N
 * subscribers that have all received their response headers, after a short settle.
 * (RSS with N − RSS at rest) / N. Kernel socket buffers are not in RSS; the comparison is of what
 * each server itself keeps per connection.
 */
import { processTree, rssBytes } from './proc-stats.js';
import type { IdleCell } from './results.js';
import type { SubscriberPool } from './subscriber-pool.js';
import type { RunningTarget } from './targets/target.js';
import { connectNotes } from './throughput-cell.js';

const SETTLE_MS = 1500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runIdleCell(
  pool: SubscriberPool,
  target: RunningTarget,
  connections: number,
  onPhase: (label: string) => void,
): Promise<IdleCell> {
  await sleep(500);
  const rssBaselineBytes = rssBytes(processTree(target.pid));
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
    const rss = rssBytes(processTree(target.pid));
    return {
      kind: 'idle',
      target: target.name,
      connectionsRequested: connections,
      connections: outcome.ok,
      rssBaselineBytes,
      rssBytes: rss,
      bytesPerConnection: outcome.ok > 0 ? (rss - rssBaselineBytes) / outcome.ok : Number.NaN,
      notes: connectNotes(outcome, connections, target.pid),
    };
  } finally {
    await pool.closeAll();
  }
}

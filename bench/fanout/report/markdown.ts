/** The Markdown report: one table of throughput cells, one of idle-memory cells, then notes. */
import type {
  CellResult,
  IdleCell,
  PublishLatencyCell,
  PublishThroughputCell,
  RunMeta,
  ThroughputCell,
} from '../results.js';
import { clusterSection } from './cluster.js';
import { publishThroughputSection } from './publish.js';
import { BASELINES, idlePeer, ratio, throughputPeer } from './ratios.js';
import { summarySection } from './summary.js';

const MIB = 1024 * 1024;

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function grouped(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
}

function throughputRow(cells: readonly CellResult[], c: ThroughputCell): string {
  const mode = c.mode === 'full-speed' ? 'full speed' : `${grouped(c.targetDeliveriesPerSec ?? 0)}/s`;
  const ratios = BASELINES.map((b) => {
    const peer = throughputPeer(cells, c, b);
    return `${ratio(c.deliveriesPerSec, peer?.deliveriesPerSec)} / ${ratio(c.cpuUsPerDelivery, peer?.cpuUsPerDelivery)}`;
  });
  return `| ${c.target} | ${grouped(c.subscribers)} | ${mode} | ${grouped(c.eventsAcked)} | ${grouped(c.deliveriesPerSec)} | ${fixed(c.latencyP50Ms, 2)} | ${fixed(c.latencyP99Ms, 2)} | ${fixed(c.latencyMaxMs, 1)} | ${c.lost} | ${c.duplicates} | ${c.outOfOrder} | ${c.orderSplits} | ${fixed(c.cpuUsPerDelivery, 2)} | ${fixed(c.serverRssBytes / MIB, 1)} | ${ratios.join(' | ')} |`;
}

function idleRow(cells: readonly CellResult[], c: IdleCell): string {
  const ratios = BASELINES.map((b) => ratio(c.bytesPerConnection, idlePeer(cells, c, b)?.bytesPerConnection));
  const reach =
    c.publishToAllMs === undefined ? '–' : `${grouped(c.reachedAll ?? 0)} in ${fixed(c.publishToAllMs, 0)}`;
  const steady =
    c.steady === undefined
      ? '–'
      : `${fixed(c.steady.bytesPerConnection / 1024, 2)} (${fixed(c.steady.rssBaselineBytes / MIB, 1)} → ${fixed(c.steady.rssBytes / MIB, 1)} MiB)`;
  return `| ${c.target} | ${grouped(c.connectionsRequested)} | ${grouped(c.connections)} | ${fixed(c.rssBaselineBytes / MIB, 1)} | ${fixed(c.rssBytes / MIB, 1)} | ${fixed(c.bytesPerConnection / 1024, 2)} | ${steady} | ${reach} | ${ratios.join(' | ')} |`;
}

function latencyRow(c: PublishLatencyCell): string {
  return `| ${c.target} | ${grouped(c.requests)} | ${fixed(c.p50Ms, 2)} | ${fixed(c.p99Ms, 2)} | ${fixed(c.maxMs, 1)} | ${grouped(c.publishesPerSec)} |`;
}

export function markdownReport(meta: RunMeta, cells: readonly CellResult[]): string {
  const throughput = cells.filter((c): c is ThroughputCell => c.kind === 'throughput');
  const idle = cells.filter((c): c is IdleCell => c.kind === 'idle');
  const latency = cells.filter((c): c is PublishLatencyCell => c.kind === 'publish-latency');
  const lines = [
    '# Fan-out benchmark',
    '',
    `${meta.startedAt} · Node ${meta.node} · ${meta.cpus} × ${meta.cpuModel} · open files ${meta.openFileLimit.soft}/${meta.openFileLimit.hard} · \`${meta.command}\``,
    '',
    ...summarySection(cells),
  ];
  if (throughput.length > 0) {
    lines.push(
      '## Throughput and latency',
      '',
      'Latency is publish-to-receive (ms). CPU is the server process tree’s user+system time per delivery (µs). Ratios: deliveries/s and CPU/delivery against the baseline in the same run. *lost*: acknowledged events a subscriber never got; *behind send order*: deliveries with a lower sequence number than one already received; *order splits*: subscribers whose order of arrival differs from the other subscribers’ (a hub must give every subscriber one order).',
      '',
      '| target | subs | publishing | events | deliveries/s | p50 ms | p99 ms | max ms | lost | dup | behind send order | order splits | CPU µs/delivery | RSS MiB | vs plain-node (rate / CPU) | vs nchan (rate / CPU) |',
      '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...throughput.map((c) => throughputRow(cells, c)),
      '',
    );
  }
  if (idle.length > 0) {
    lines.push(
      '## Memory per idle connection',
      '',
      '(RSS with N open SSE connections − RSS at rest) / N, on a freshly started server (its whole process tree, and its Redis if it has one), 1.5 s after the last connection got its first bytes. *Steady* (`--idle-steady-s`): the same after the server idled that long at rest and again with its N connections, once a garbage-collected runtime has given back the pages of the connections’ garbage. *One publish*: subscribers that got one event published to all of them, and the ms from its send to the last arrival.',
      '',
      '| target | N asked | N open | RSS at rest MiB | RSS with N MiB | KiB/connection | steady KiB/connection (RSS MiB) | one publish: reached in ms | vs plain-node | vs nchan |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...idle.map((c) => idleRow(cells, c)),
      '',
    );
  }
  lines.push(...clusterSection(throughput));
  if (latency.length > 0) {
    lines.push(
      '## Publish latency',
      '',
      'One publisher, one request at a time on a kept-alive connection: from the request to the end of the answer.',
      '',
      '| target | requests | p50 ms | p99 ms | max ms | publishes/s |',
      '|---|---:|---:|---:|---:|---:|',
      ...latency.map(latencyRow),
      '',
    );
  }
  lines.push(
    ...publishThroughputSection(
      cells.filter((c): c is PublishThroughputCell => c.kind === 'publish-throughput'),
    ),
  );
  const notes = cells.flatMap((c) => {
    if (c.kind === 'skipped') return [`- **${c.target}** skipped: ${c.reason}`];
    const where =
      c.kind === 'idle'
        ? `idle N=${c.connectionsRequested}`
        : c.kind === 'publish-latency'
          ? 'publish latency'
          : c.kind === 'publish-throughput'
            ? `publish depth ${c.depth}`
            : `S=${c.subscribersRequested} ${c.mode}`;
    const publishErrors =
      c.kind === 'throughput' && Object.keys(c.publishErrors).length > 0
        ? [`publish errors ${JSON.stringify(c.publishErrors)}`]
        : [];
    const disconnects =
      c.kind === 'throughput' && c.disconnected > 0 ? [`${c.disconnected} disconnected`] : [];
    const all = [...c.notes, ...publishErrors, ...disconnects];
    return all.length > 0 ? [`- ${c.target} ${where}: ${all.join('; ')}`] : [];
  });
  if (notes.length > 0) lines.push('## Notes', '', ...notes, '');
  return lines.join('\n');
}

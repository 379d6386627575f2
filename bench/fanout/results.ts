/** The records a run produces; the JSON output is `{ meta, cells }` with these shapes. */

export type PublishMode = 'full-speed' | 'fixed-rate';

export interface ThroughputCell {
  kind: 'throughput';
  target: string;
  subscribersRequested: number;
  subscribers: number;
  mode: PublishMode;
  /** Fixed-rate cells: the deliveries per second asked for. */
  targetDeliveriesPerSec: number | null;
  eventsSent: number;
  eventsAcked: number;
  publishErrors: Record<string, number>;
  deliveries: number;
  durationMs: number;
  deliveriesPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** Acknowledged events a subscriber never received. */
  lost: number;
  /** Deliveries below a sequence number the subscriber already had (against the send order). */
  outOfOrder: number;
  /** Subscribers whose order of arrival differs from the majority's (against the hub's order). */
  orderSplits: number;
  duplicates: number;
  disconnected: number;
  serverCpuUs: number;
  cpuUsPerDelivery: number;
  serverRssBytes: number;
  /** The load processes' own CPU per delivery (subscribers and publisher), a sanity check. */
  loadGeneratorCpuUsPerDelivery: number;
  notes: string[];
}

export interface IdleCell {
  kind: 'idle';
  target: string;
  connectionsRequested: number;
  connections: number;
  rssBaselineBytes: number;
  rssBytes: number;
  bytesPerConnection: number;
  /** `--idle-steady-s`: the same readings after that long idle, at rest and with N connections. */
  steady?: { idleMs: number; rssBaselineBytes: number; rssBytes: number; bytesPerConnection: number };
  /** Subscribers that received the one event published to all of them, and how long it took. */
  reachedAll?: number;
  publishToAllMs?: number;
  notes: string[];
}

/** Sequential publishes (depth 1): the latency a publisher sees. */
export interface PublishLatencyCell {
  kind: 'publish-latency';
  target: string;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  publishesPerSec: number;
  notes: string[];
}

/**
 * Publishes per second on one keep-alive connection with `depth` requests in flight (HTTP/1.1
 * pipelining), no subscriber: the median of `rounds` runs alternated with the other targets.
 */
export interface PublishThroughputCell {
  kind: 'publish-throughput';
  target: string;
  depth: number;
  rounds: number;
  /** Length of each run. */
  seconds: number;
  /** Acknowledged publishes over all rounds. */
  publishes: number;
  publishesPerSec: number;
  publishesPerSecMin: number;
  publishesPerSecMax: number;
  /** The server process tree's user+system CPU per acknowledged publish (median of the rounds). */
  cpuUsPerPublish: number;
  notes: string[];
}

export interface SkippedTarget {
  kind: 'skipped';
  target: string;
  reason: string;
}

export type CellResult =
  | ThroughputCell
  | IdleCell
  | PublishLatencyCell
  | PublishThroughputCell
  | SkippedTarget;

export interface RunMeta {
  startedAt: string;
  finishedAt: string;
  node: string;
  cpus: number;
  cpuModel: string;
  clockTicksPerSec: number;
  openFileLimit: { soft: number | null; hard: number | null };
  command: string;
  options: unknown;
}

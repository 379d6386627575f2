import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DirectoryStats, HubObserver, SubscriberDirectory, Update } from '../hub/index.js';

/** A label child of a counter: what a transport increments. */
export interface ByteCounter {
  inc(sizeBytes: number): void;
}

export interface HubMetricsOptions {
  /**
   * Read at scrape time for `herald_cluster_nodes` and `herald_cluster_subscribers`; without one
   * those two gauges are not registered.
   */
  directory?: SubscriberDirectory | undefined;
}

/** Seconds, 0.5 ms to 10 s: a publish answered, an append to SQLite or Redis. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds, 10 µs to 0.5 s: handing one event to this process's matching subscribers (in memory). */
const FAN_OUT_BUCKETS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5,
];
/** Seconds, 1 ms to 60 s: a replay pages through history and waits for the subscriber to read it. */
const REPLAY_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** One Prometheus registry per hub, so that two hubs in one process never share counters. */
export class HubMetrics implements HubObserver {
  readonly registry = new Registry();
  /** This process's open connections, by transport. */
  readonly connections: Gauge<'transport'>;
  /** Live hub processes sharing the subscriber directory (set at scrape time; NaN when unreadable). */
  readonly clusterNodes: Gauge | undefined;
  /** Open subscribers of all of them (set at scrape time; NaN when unreadable). */
  readonly clusterSubscribers: Gauge | undefined;
  readonly publishedEvents: Counter;
  readonly deliveredEvents: Counter<'transport'>;
  readonly queueOverflows: Counter<'transport'>;
  readonly replayedEvents: Counter<'transport'>;
  readonly replays: Counter<'transport'>;
  readonly subscribeRequests: Counter<'transport'>;
  readonly sentBytes: Counter<'transport'>;
  /** POST /.well-known/mercure, from the request to its answer (any status). */
  readonly publishDuration: Histogram;
  readonly appendDuration: Histogram;
  readonly replayDuration: Histogram<'transport'>;
  readonly fanOutDuration: Histogram;
  /** Configuration reloads (`herald serve` on SIGHUP), applied (`ok`) or refused (`error`). */
  readonly configReloads: Counter<'result'>;
  /** Label children made once: `labels()` per connection kept one child (+ bound `inc`) per connection. */
  #sentBytesBy = new Map<string, ByteCounter>();

  constructor(options: HubMetricsOptions = {}) {
    const registers = [this.registry];
    // Heap, event-loop lag, GC, CPU, file descriptors: `process_*` and `nodejs_*`, on this registry only.
    collectDefaultMetrics({ register: this.registry });
    this.connections = new Gauge({
      name: 'herald_connections',
      help: 'Open subscriber connections of this process, by transport (cluster total: herald_cluster_subscribers)',
      labelNames: ['transport'],
      registers,
    });
    const directory = options.directory;
    if (directory !== undefined) {
      // One read of the directory per scrape, shared by both gauges (prom-client collects them concurrently).
      let reading: Promise<DirectoryStats | undefined> | undefined;
      const stats = () => {
        reading ??= directory.stats().then(
          (value) => value,
          () => undefined,
        );
        void reading.then(() => {
          reading = undefined;
        });
        return reading;
      };
      this.clusterNodes = new Gauge({
        name: 'herald_cluster_nodes',
        help: 'Live hub processes sharing the subscriber directory of this one (same Redis, same key prefix; 1 without Redis), read at scrape time; NaN when the directory cannot be read',
        registers,
        async collect() {
          this.set((await stats())?.nodes ?? Number.NaN);
        },
      });
      this.clusterSubscribers = new Gauge({
        name: 'herald_cluster_subscribers',
        help: 'Open subscribers of all the processes counted by herald_cluster_nodes (this one alone: herald_connections), read at scrape time; NaN when the directory cannot be read',
        registers,
        async collect() {
          this.set((await stats())?.subscribers ?? Number.NaN);
        },
      });
    }
    this.publishedEvents = new Counter({
      name: 'herald_published_events_total',
      help: 'Events stored',
      registers,
    });
    this.deliveredEvents = new Counter({
      name: 'herald_delivered_events_total',
      help: 'Live events handed to subscribers',
      labelNames: ['transport'],
      registers,
    });
    this.queueOverflows = new Counter({
      name: 'herald_queue_overflows_total',
      help: 'Subscribers disconnected because their queue was full',
      labelNames: ['transport'],
      registers,
    });
    this.replays = new Counter({
      name: 'herald_replays_total',
      help: 'Subscriptions that replayed history',
      labelNames: ['transport'],
      registers,
    });
    this.subscribeRequests = new Counter({
      name: 'herald_subscribe_requests_total',
      help: 'Authorized subscribe requests served, by transport',
      labelNames: ['transport'],
      registers,
    });
    // SSE: the bytes of each event written (heartbeats and the shutdown retry hint excluded);
    // polls: the JSON body. Response headers are never counted.
    this.sentBytes = new Counter({
      name: 'herald_sent_bytes_total',
      help: 'Bytes of events sent to subscribers (SSE event bytes, poll JSON bodies), by transport',
      labelNames: ['transport'],
      registers,
    });
    this.replayedEvents = new Counter({
      name: 'herald_replayed_events_total',
      help: 'Events sent from history',
      labelNames: ['transport'],
      registers,
    });
    this.publishDuration = new Histogram({
      name: 'herald_publish_duration_seconds',
      help: 'Publish requests (POST to the hub), from the request to its answer, whatever the status',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.appendDuration = new Histogram({
      name: 'herald_store_append_duration_seconds',
      help: 'Appends of a published event to the store (stored or refused)',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.replayDuration = new Histogram({
      name: 'herald_replay_duration_seconds',
      help: 'Replays of history to a subscriber, read and written, by transport',
      labelNames: ['transport'],
      buckets: REPLAY_BUCKETS,
      registers,
    });
    this.fanOutDuration = new Histogram({
      name: 'herald_fanout_duration_seconds',
      help: 'Handing one event to every matching subscriber of this process (queued, not yet written)',
      buckets: FAN_OUT_BUCKETS,
      registers,
    });
    this.configReloads = new Counter({
      name: 'herald_config_reloads_total',
      help: 'Configuration reloads (SIGHUP): applied (result="ok") or refused, the old configuration kept (result="error")',
      labelNames: ['result'],
      registers,
    });
    // Both series from the start, so that an alert on errors needs no absent() guard.
    this.configReloads.inc({ result: 'ok' }, 0);
    this.configReloads.inc({ result: 'error' }, 0);
  }

  /** The sent-bytes counter of one transport (the same child for every connection). */
  sentBytesOf(transport: string): ByteCounter {
    let child = this.#sentBytesBy.get(transport);
    if (child === undefined) {
      child = this.sentBytes.labels(transport);
      this.#sentBytesBy.set(transport, child);
    }
    return child;
  }

  /** SSE bytes are counted here, once per event: its encoded size × the streams it went to. */
  sent(transport: string, update: Update, count: number): void {
    if (transport === 'sse') this.sentBytesOf(transport).inc(update.sseBytes().byteLength * count);
  }

  published(): void {
    this.publishedEvents.inc();
  }

  delivered(transport: string, count: number): void {
    this.deliveredEvents.inc({ transport }, count);
  }

  replayed(transport: string, count: number): void {
    this.replays.inc({ transport });
    this.replayedEvents.inc({ transport }, count);
  }

  subscriberClosed(transport: string, reason: string): void {
    if (reason === 'overflow') this.queueOverflows.inc({ transport });
  }

  appendTimed(seconds: number): void {
    this.appendDuration.observe(seconds);
  }

  replayTimed(transport: string, seconds: number): void {
    this.replayDuration.observe({ transport }, seconds);
  }

  fanOutTimed(seconds: number): void {
    this.fanOutDuration.observe(seconds);
  }
}

import { EventSource, hubUrl, type TransportName } from '../../../src/client/index.js';
import { parseJsonObject } from '../../shared/dom.js';
import { TRANSPORTS } from '../../shared/hub-metrics.js';
import type { DemoSession } from '../../shared/session.js';
import { emptyCost, meteredFetch, type TransportCost } from './lab-meter.js';

/** One transport's subscription, what it received and what that cost. */
export interface Pane {
  readonly transport: TransportName;
  readonly cost: TransportCost;
  readonly ids: string[];
  readonly latenciesMs: number[];
  payloadBytes: number;
  source: EventSource | undefined;
  /** Whether this run's subscription has opened once (a long poll opens with its first answer). */
  opened: boolean;
}

export type Phase = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface LabSettings {
  ratePerSecond: number;
  shortPollIntervalMs: number;
}

/** `window.heraldDemo.state` of the lab: read by the browser test. */
export interface LabState {
  phase: Phase;
  settings: LabSettings;
  /** Ids the hub answered to this page's publishes, in publish order. */
  published: string[];
  ids: Record<TransportName, string[]>;
  /** Kept equal to the requests counters on the page (the view copies them when it draws). */
  requests: Record<TransportName, number>;
  error?: string;
}

/** A run stops by itself after this: a forgotten tab should not poll forever. */
export const MAX_RUN_MS = 120_000;
/** After this long without a stream, the page suspects the browser's connection limit. */
const CONNECT_HINT_MS = 3_000;
/** How long Stop waits for the slowest pane (short polling) to catch up with the last event. */
const CATCH_UP_MS = 3_000;

/**
 * One publisher and three subscribers of a fresh topic, one per transport. Latency is publish time
 * carried in the data vs. receive time, both on this page's clock, so no clock offset is involved.
 * Publishes are sent one after another so that the order this page sees them answered is the order
 * the hub stored them, and every pane must get exactly `published`, in that order.
 */
export class LabRun {
  readonly panes: Pane[] = TRANSPORTS.map((transport) => ({
    transport,
    cost: emptyCost(),
    ids: [],
    latenciesMs: [],
    payloadBytes: 0,
    source: undefined,
    opened: false,
  }));
  readonly state: LabState;
  /** When this run's subscriptions were requested (`startedAtMs` is the first publish). */
  subscribedAtMs = 0;
  startedAtMs = 0;
  stoppedAtMs = 0;
  onChange: () => void = () => {};
  #session: DemoSession;
  #topic = '';
  #publisher: ReturnType<typeof setTimeout> | undefined;
  #publishing: Promise<void> = Promise.resolve();
  #autoStop: ReturnType<typeof setTimeout> | undefined;

  constructor(session: DemoSession, settings: LabSettings) {
    this.#session = session;
    const ids = Object.fromEntries(this.panes.map((pane) => [pane.transport, pane.ids]));
    this.state = {
      phase: 'idle',
      settings,
      published: [],
      ids: ids as Record<TransportName, string[]>,
      requests: { sse: 0, 'long-poll': 0, 'short-poll': 0 },
    };
  }

  pane(transport: TransportName): Pane {
    return this.panes.find((pane) => pane.transport === transport)!;
  }

  async start(settings: LabSettings): Promise<void> {
    if (this.state.phase === 'starting' || this.state.phase === 'running') return;
    this.#setPhase('starting');
    this.state.settings = settings;
    this.state.published.length = 0;
    delete this.state.error;
    // A fresh topic per run, read from its start (`earliest`): every pane gets every event of the run.
    this.#topic = this.#session.topic(`lab/${crypto.randomUUID().slice(0, 8)}`);
    this.subscribedAtMs = Date.now();
    const opened = this.panes.map((pane) => this.#subscribe(pane, settings));
    // Publish once the stream and the first short poll have answered, so the first event is not
    // charged a connection set-up. A long poll answers only when there is an event: it is not
    // waited for (its request left with the others, and `earliest` would replay a miss anyway).
    const answered = opened.filter((_, i) => this.panes[i]?.transport !== 'long-poll');
    await Promise.race([Promise.all(answered), delay(5_000)]);
    this.startedAtMs = Date.now();
    this.#setPhase('running');
    this.#publishNext(0, this.startedAtMs, settings);
    this.#autoStop = setTimeout(() => void this.stop(), MAX_RUN_MS);
  }

  /** Stops publishing, lets every pane catch up with the last event, then closes the subscriptions. */
  async stop(): Promise<void> {
    if (this.state.phase !== 'running') return;
    this.#setPhase('stopping');
    clearTimeout(this.#publisher);
    clearTimeout(this.#autoStop);
    await this.#publishing;
    const until = Date.now() + CATCH_UP_MS + this.state.settings.shortPollIntervalMs;
    while (Date.now() < until && !this.#isCaughtUp()) await delay(50);
    for (const pane of this.panes) {
      pane.source?.close();
      pane.source = undefined;
    }
    this.stoppedAtMs = Date.now();
    this.#setPhase('stopped');
  }

  /**
   * Whether the stream or the short poll has not answered for a while after Start. A long poll
   * answers only with the first event: it is not counted.
   */
  isSlowToConnect(nowMs: number): boolean {
    const { phase } = this.state;
    return (
      (phase === 'starting' || phase === 'running') &&
      nowMs - this.subscribedAtMs > CONNECT_HINT_MS &&
      this.panes.some((pane) => pane.transport !== 'long-poll' && !pane.opened)
    );
  }

  #isCaughtUp(): boolean {
    return this.panes.every((pane) => pane.ids.length >= this.state.published.length);
  }

  #subscribe(pane: Pane, settings: LabSettings): Promise<void> {
    pane.source?.close();
    Object.assign(pane.cost, emptyCost());
    pane.ids.length = 0;
    pane.latenciesMs.length = 0;
    pane.payloadBytes = 0;
    pane.opened = false;
    // Not a SharedEventSource, unlike every other page's stream: the lab compares transports, so
    // each pane needs a connection of its own, counted and timed by this page alone (a shared
    // stream would measure another tab's requests, or none). It does not starve the other tabs:
    // nothing is opened before Start and everything is closed at Stop (or after MAX_RUN_MS); during
    // a run short polling holds no connection between polls, so the lab holds two (long poll and
    // SSE), which the other pages' shared streams (one per stream, not per tab) leave room for.
    const source = new EventSource(hubUrl('/', { topics: [this.#topic] }), {
      transport: pane.transport,
      lastEventId: 'earliest',
      fetch: meteredFetch(pane.cost),
      shortPollIntervalMs: settings.shortPollIntervalMs,
    });
    pane.source = source;
    source.onmessage = (message) => {
      // The topic is fresh, but any demo token may publish on it: data this page could not have
      // written is skipped.
      const sentAtMs = parseJsonObject(message.data)?.sentAtMs;
      if (typeof sentAtMs !== 'number') return;
      pane.ids.push(message.lastEventId);
      pane.latenciesMs.push(Date.now() - sentAtMs);
      // The data is ASCII JSON: its length is its size in bytes.
      pane.payloadBytes += message.data.length;
    };
    return new Promise((resolve) =>
      source.addEventListener(
        'open',
        () => {
          pane.opened = true;
          resolve();
        },
        { once: true },
      ),
    );
  }

  /**
   * Publishes event `n` half a period after the previous one's slot plus an exponential wait of
   * half a period on average: the chosen rate on average, never closer than half a period (two
   * events then do not share one long-poll answer at the default rate), and at random moments, as
   * a real feed is. A fixed period that is a multiple of the short-poll interval would meet each
   * poll at the same phase, and the latency shown would be that phase, not short polling's cost.
   * Slots follow each other, not the publishes: a late answer does not shift the schedule.
   */
  #publishNext(n: number, previousAtMs: number, settings: LabSettings): void {
    const periodMs = 1000 / settings.ratePerSecond;
    const atMs = previousAtMs + periodMs * (0.5 - 0.5 * Math.log(1 - Math.random()));
    this.#publisher = setTimeout(
      () => {
        this.#publishing = this.#publishOne(n + 1).then(() => {
          if (this.state.phase === 'running') this.#publishNext(n + 1, atMs, settings);
        });
      },
      Math.max(0, atMs - Date.now()),
    );
  }

  async #publishOne(seq: number): Promise<void> {
    try {
      const response = await this.#session.publish({
        topic: this.#topic,
        data: JSON.stringify({ seq, sentAtMs: Date.now() }),
      });
      if (!response.ok) throw new Error(`the hub answered ${response.status} to a publish`);
      this.state.published.push(await response.text());
    } catch (error) {
      this.state.error = error instanceof Error ? error.message : String(error);
      void this.stop();
    }
    this.onChange();
  }

  #setPhase(phase: Phase): void {
    this.state.phase = phase;
    this.onChange();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

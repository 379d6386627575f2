import { EventSource } from '../../../src/client/index.js';
import { type ConnectionState, followConnection } from '../../shared/layout.js';
import { type Price, parsePrice } from './prices.js';
import { measureServerOffsetMs } from './server-clock.js';

/** What a reconnection brought back. */
export interface CatchUp {
  /** Prices published while the page was offline, replayed by the hub from its history. */
  count: number;
  offlineMs: number;
  /** The replay is over: a price published after the reconnection arrived (or none came for a while). */
  isDone: boolean;
  /** Start and end of the offline period, by the hub's clock (where the chart shades the gap). */
  fromServerMs: number;
  toServerMs: number;
}

export interface FeedHandlers {
  /** Every price, in the hub's order; `isCatchUp` when it was published while the page was offline. */
  price(price: Price, id: string, isCatchUp: boolean): void;
  connection(state: ConnectionState): void;
  catchUp(progress: CatchUp): void;
}

/** Without a newer price for this long after the reconnection, the replay counts as finished. */
const QUIET_AFTER_REPLAY_MS = 1_500;

/**
 * The page's one stream, with the "drop the network" switch: `drop()` closes it on purpose,
 * `reconnect()` opens a new one that resumes after the last event id seen (the Herald client's
 * `lastEventId` option, sent as `Last-Event-ID`). The hub then replays what was published in
 * between, in order, before going live: no gap and no duplicate.
 */
export class TickerFeed {
  readonly #url: string;
  readonly #handlers: FeedHandlers;
  #source: EventSource | undefined;
  #offsetMs = 0;
  #offline: { resumeId: string; fromLocalMs: number; fromServerMs: number } | undefined;
  #catchUp: CatchUp | undefined;
  #quietTimer: ReturnType<typeof setTimeout> | undefined;
  #isReconnecting = false;

  constructor(url: string, handlers: FeedHandlers) {
    this.#url = url;
    this.#handlers = handlers;
  }

  get isOffline(): boolean {
    return this.#offline !== undefined;
  }

  /** Since when the page is offline (local clock), if it is. */
  get offlineSinceMs(): number | undefined {
    return this.#offline?.fromLocalMs;
  }

  /** Opens the stream, resuming after `lastEventId` (a snapshot's) when given. */
  start(lastEventId = ''): void {
    this.#open(lastEventId);
    void measureServerOffsetMs(0).then((offsetMs) => {
      this.#offsetMs = offsetMs;
    });
  }

  drop(): void {
    const source = this.#source;
    if (source === undefined || this.#offline !== undefined) return;
    this.#finishCatchUp();
    // Before the first price, the client has already adopted the hub's position as its last
    // event id (a Herald extension), so even an early drop resumes without a gap.
    this.#offline = {
      resumeId: source.lastEventId,
      fromLocalMs: Date.now(),
      fromServerMs: Date.now() + this.#offsetMs,
    };
    source.close();
    this.#source = undefined;
    this.#handlers.connection('offline');
  }

  async reconnect(): Promise<void> {
    const offline = this.#offline;
    if (offline === undefined || this.#isReconnecting) return;
    this.#isReconnecting = true;
    // Measured again now: the split between missed and live prices is this instant, on the hub's clock.
    this.#offsetMs = await measureServerOffsetMs(this.#offsetMs);
    this.#isReconnecting = false;
    const toServerMs = Date.now() + this.#offsetMs;
    this.#offline = undefined;
    this.#catchUp = {
      count: 0,
      offlineMs: Date.now() - offline.fromLocalMs,
      isDone: false,
      fromServerMs: offline.fromServerMs,
      toServerMs,
    };
    this.#handlers.catchUp({ ...this.#catchUp });
    this.#open(offline.resumeId);
  }

  #open(lastEventId: string): void {
    const source = new EventSource(this.#url, lastEventId === '' ? {} : { lastEventId });
    this.#source = source;
    followConnection(source, (state) => {
      if (this.#source === source) this.#handlers.connection(state);
    });
    source.addEventListener('open', () => this.#armQuietTimer());
    source.addEventListener('price', (event) => {
      const { data, lastEventId: id } = event as MessageEvent<string>;
      const price = parsePrice(data);
      if (price === undefined) return;
      const catchUp = this.#catchUp;
      const isCatchUp = catchUp !== undefined && !catchUp.isDone && price.atMs <= catchUp.toServerMs;
      if (catchUp !== undefined && !catchUp.isDone) {
        if (isCatchUp) {
          catchUp.count += 1;
          this.#armQuietTimer();
        } else {
          this.#finishCatchUp();
        }
      }
      this.#handlers.price(price, id, isCatchUp);
    });
  }

  #armQuietTimer(): void {
    if (this.#catchUp === undefined || this.#catchUp.isDone) return;
    clearTimeout(this.#quietTimer);
    this.#quietTimer = setTimeout(() => this.#finishCatchUp(), QUIET_AFTER_REPLAY_MS);
  }

  #finishCatchUp(): void {
    clearTimeout(this.#quietTimer);
    const catchUp = this.#catchUp;
    if (catchUp === undefined || catchUp.isDone) return;
    catchUp.isDone = true;
    this.#handlers.catchUp({ ...catchUp });
  }
}

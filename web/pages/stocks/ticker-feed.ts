import type { SharedEventSource } from '../../../src/client/index.js';
import { readHistory } from '../../shared/history.js';
import { type ConnectionState, followConnection } from '../../shared/layout.js';
import { openStockStream, whenOpen } from '../../shared/streams.js';
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

/** Without a newer price for this long after the replay, the catch-up counts as finished. */
const QUIET_AFTER_REPLAY_MS = 1_500;

/** A price event held back until the page knows where its view of the stream starts. */
interface Held {
  data: string;
  id: string;
}

/**
 * The page's live prices, with the "drop the network" switch. The stream is the one the price
 * pages of this browser share (`openStockStream`): it is live wherever this tab joins it, so what
 * this tab has not seen comes from the hub's history instead, by a short poll after the last event
 * id it saw (`readHistory`, sent as `lastEventID`):
 *
 * - at start, the stream opens first and its prices are held; the snapshot is then drawn and the
 *   held prices after the snapshot's id follow (`release`): no gap and no duplicate;
 * - `drop()` leaves the stream (another tab, if any, keeps it), `reconnect()` joins it again,
 *   holding its prices, reads what was published in between from the history, then releases the
 *   held prices it did not already get from there.
 */
export class TickerFeed {
  readonly #topic: string;
  readonly #handlers: FeedHandlers;
  #source: SharedEventSource | undefined;
  /** Prices held while the page reads what comes before them; `undefined` once live. */
  #held: Held[] | undefined;
  #offsetMs = 0;
  #offline: { resumeId: string; fromLocalMs: number; fromServerMs: number } | undefined;
  #catchUp: CatchUp | undefined;
  #quietTimer: ReturnType<typeof setTimeout> | undefined;
  #isReconnecting = false;

  constructor(topic: string, handlers: FeedHandlers) {
    this.#topic = topic;
    this.#handlers = handlers;
  }

  get isOffline(): boolean {
    return this.#offline !== undefined;
  }

  /** Since when the page is offline (local clock), if it is. */
  get offlineSinceMs(): number | undefined {
    return this.#offline?.fromLocalMs;
  }

  /** Joins the stream and holds its prices until `release`; resolves once it is open (or not soon). */
  async start(): Promise<void> {
    void measureServerOffsetMs(0).then((offsetMs) => {
      this.#offsetMs = offsetMs;
    });
    await whenOpen(this.#open());
  }

  /** Goes live from the snapshot whose last event is `snapshotId`: held prices after it follow. */
  release(snapshotId: string): void {
    const held = this.#held ?? [];
    const at = held.findIndex((price) => price.id === snapshotId);
    this.#held = undefined;
    for (const { data, id } of held.slice(at + 1)) this.#onPrice(data, id);
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
    this.#held = undefined;
    this.#handlers.connection('offline');
  }

  async reconnect(): Promise<void> {
    const offline = this.#offline;
    if (offline === undefined || this.#isReconnecting) return;
    this.#isReconnecting = true;
    // Measured again now: the split between missed and live prices is this instant, on the hub's clock.
    this.#offsetMs = await measureServerOffsetMs(this.#offsetMs);
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
    const source = this.#open();
    await whenOpen(source);
    // The stream is open (its prices held): everything before it is in the history.
    const replayed = new Set<string>();
    try {
      for (const event of await readHistory([this.#topic], offline.resumeId)) {
        if (event.type !== 'price' || this.#source !== source) continue;
        replayed.add(event.id);
        this.#onPrice(event.data, event.id);
      }
    } catch {
      // The hub did not answer: the prices missed stay missing; the live ones still come.
    }
    this.#isReconnecting = false;
    if (this.#source !== source) return;
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const { data, id } of held) if (!replayed.has(id)) this.#onPrice(data, id);
    this.#armQuietTimer();
  }

  #open(): SharedEventSource {
    const source = openStockStream(this.#topic);
    this.#source = source;
    this.#held = [];
    followConnection(source, (state) => {
      if (this.#source === source) this.#handlers.connection(state);
    });
    source.addEventListener('price', (event) => {
      if (this.#source !== source) return;
      const { data, lastEventId: id } = event as MessageEvent<string>;
      if (this.#held !== undefined) this.#held.push({ data, id });
      else this.#onPrice(data, id);
    });
    return source;
  }

  #onPrice(data: string, id: string): void {
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

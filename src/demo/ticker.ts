import type { Timers } from '../clock/index.js';
import type { Hub } from '../hub/index.js';
import { DEMO_TOPIC_PREFIX } from './token.js';

/** The ticker's symbols: invented, so nobody mistakes the demo for market data. */
export const DEMO_SYMBOLS = [
  'HRLD',
  'SSEV',
  'MRCR',
  'PUSH',
  'POLL',
  'JWTX',
  'UTCZ',
  'DSTO',
  'LEAP',
  'NODE',
  'BYTE',
  'ECHO',
  'FANO',
  'HTTP',
  'ZONE',
  'TICK',
  'CRSR',
  'QUEU',
  'WIRE',
  'HOOK',
] as const;

/** One topic per symbol; a page subscribes to all of them with the template `…/stocks/{symbol}`. */
export function demoStockTopic(symbol: string): string {
  return `${DEMO_TOPIC_PREFIX}stocks/${symbol}`;
}

/** What each `price` event carries (JSON). */
export interface DemoPrice {
  symbol: string;
  priceCents: number;
  /** The symbol's price at the ticker's start: the page shows the day's change against it. */
  openCents: number;
  atMs: number;
}

/** `GET /demo/stocks`: the prices now, and where in the hub's history "now" is. */
export interface DemoSnapshot {
  /** The id of the last price published by this process; `null` before the first. */
  lastEventId: string | null;
  prices: DemoPrice[];
}

export interface TickerOptions {
  hub: Hub;
  timers: Timers;
  /** Time between two updates (each moves one symbol). Default in demo mode: 100 ms, 10 a second. */
  intervalMs: number;
  /** Uniform in [0, 1): which symbol moves and by how much. Injected so tests are deterministic. */
  random: () => number;
  /**
   * How long the ticker keeps publishing after the last subscriber left: a page that drops its
   * connection on purpose (the stock page's "drop the network") must find missed prices on its
   * return. An idle demo hub stops growing its history after this. Default 60 s.
   */
  idleGraceMs?: number | undefined;
  onError?: ((error: unknown) => void) | undefined;
}

/**
 * The demo's in-process publisher: a random walk over `DEMO_SYMBOLS`, one symbol moved per tick,
 * published on that symbol's topic while someone is subscribed (or was, within `idleGraceMs`).
 */
export class DemoTicker {
  #options: TickerOptions;
  #pricesCents: number[];
  #openCents: number[];
  #changedAtMs: number[];
  #lastEventId: string | null = null;
  #timer: unknown;
  /** When the next tick is due, on a fixed timeline: a slow publish does not slow the rate. */
  #nextAtMs = 0;
  #isStopped = false;
  #lastSubscribedAtMs = Number.NEGATIVE_INFINITY;

  constructor(options: TickerOptions) {
    this.#options = options;
    // Opening prices spread between $20 and $500, the same at every start for the same `random`.
    this.#openCents = DEMO_SYMBOLS.map(() => Math.round(2_000 + options.random() * 48_000));
    this.#pricesCents = [...this.#openCents];
    this.#changedAtMs = DEMO_SYMBOLS.map(() => options.hub.clock.nowMs());
  }

  /**
   * Every symbol's latest price and the id of the last event published: a page draws the
   * snapshot, then subscribes with that id as `Last-Event-ID` and misses nothing in between.
   * Consistent by construction: both change together, only after the hub accepted a publish.
   */
  snapshot(): DemoSnapshot {
    return {
      lastEventId: this.#lastEventId,
      prices: DEMO_SYMBOLS.map((symbol, index) => ({
        symbol,
        priceCents: this.#pricesCents[index] ?? 0,
        openCents: this.#openCents[index] ?? 0,
        atMs: this.#changedAtMs[index] ?? 0,
      })),
    };
  }

  start(): void {
    this.#nextAtMs = this.#options.hub.clock.nowMs();
    this.#schedule();
  }

  stop(): void {
    this.#isStopped = true;
    this.#options.timers.clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#isStopped) return;
    const { intervalMs, hub, timers } = this.#options;
    const nowMs = hub.clock.nowMs();
    this.#nextAtMs += intervalMs;
    // More than a tick behind (a stalled process, a slow disk): start a new timeline, no burst.
    if (this.#nextAtMs < nowMs) this.#nextAtMs = nowMs + intervalMs;
    this.#timer = timers.setTimeout(() => void this.#tick(), this.#nextAtMs - nowMs);
  }

  async #tick(): Promise<void> {
    const { hub, random } = this.#options;
    if (this.#isStopped || hub.isClosed) return;
    const nowMs = hub.clock.nowMs();
    if (hub.subscribers.size > 0) this.#lastSubscribedAtMs = nowMs;
    const isWanted = nowMs - this.#lastSubscribedAtMs <= (this.#options.idleGraceMs ?? 60_000);
    try {
      if (isWanted) {
        const index = Math.min(DEMO_SYMBOLS.length - 1, Math.floor(random() * DEMO_SYMBOLS.length));
        const symbol = DEMO_SYMBOLS[index] ?? 'HRLD';
        const before = this.#pricesCents[index] ?? 10_000;
        // ±0.5% per move, never below one dollar.
        const priceCents = Math.max(100, before + Math.round((random() - 0.5) * 0.01 * before));
        const price: DemoPrice = {
          symbol,
          priceCents,
          openCents: this.#openCents[index] ?? before,
          atMs: nowMs,
        };
        const event = await hub.publish({
          topics: [demoStockTopic(symbol)],
          data: JSON.stringify(price),
          type: 'price',
        });
        this.#pricesCents[index] = priceCents;
        this.#changedAtMs[index] = nowMs;
        this.#lastEventId = event.id;
      }
    } catch (error) {
      this.#options.onError?.(error);
    }
    this.#schedule();
  }
}

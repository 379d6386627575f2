import type { Hub, Scheduler } from '../hub/hub.js';
import { DEMO_TOPIC_PREFIX } from './demo-token.js';

export const DEMO_STOCK_TOPIC = `${DEMO_TOPIC_PREFIX}stocks/HRLD`;

export interface TickerOptions {
  hub: Hub;
  scheduler: Scheduler;
  intervalMs: number;
  /** Uniform in [0, 1): the random walk's steps. Injected so tests are deterministic. */
  random: () => number;
  onError?: ((error: unknown) => void) | undefined;
}

/**
 * The demo's server-side stock price: a random walk published every `intervalMs` on
 * `DEMO_STOCK_TOPIC`, only while someone is subscribed (an idle demo hub grows no history).
 */
export class DemoTicker {
  #options: TickerOptions;
  #priceCents = 10_000;
  #timer: unknown;
  #isStopped = false;

  constructor(options: TickerOptions) {
    this.#options = options;
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#isStopped = true;
    this.#options.scheduler.clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#isStopped) return;
    this.#timer = this.#options.scheduler.setTimeout(() => void this.#tick(), this.#options.intervalMs);
  }

  async #tick(): Promise<void> {
    const { hub } = this.#options;
    if (this.#isStopped || hub.isClosed) return;
    // ±1% per tick, never below one dollar.
    const stepCents = Math.round((this.#options.random() - 0.5) * 0.02 * this.#priceCents);
    this.#priceCents = Math.max(100, this.#priceCents + stepCents);
    try {
      if (hub.subscribers.size > 0) {
        const atMs = hub.clock.nowMs();
        await hub.publish({
          topics: [DEMO_STOCK_TOPIC],
          data: JSON.stringify({ symbol: 'HRLD', priceCents: this.#priceCents, atMs }),
          type: 'price',
        });
      }
    } catch (error) {
      this.#options.onError?.(error);
    }
    this.#schedule();
  }
}

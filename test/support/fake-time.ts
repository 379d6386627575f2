import type { Clock, Timers } from '../../src/clock/index.js';

interface FakeTimer {
  id: number;
  atMs: number;
  callback: () => void;
}

/** A clock and timers on fake time: `advanceBy` fires due timers in order, letting promises settle between. */
export class FakeTime implements Clock, Timers {
  #nowMs: number;
  #nextId = 1;
  #timers: FakeTimer[] = [];
  /** Every delay ever passed to setTimeout, to check the runner's cap. */
  readonly delaysMs: number[] = [];

  constructor(startMs: number) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    this.delaysMs.push(delayMs);
    const timer = { id: this.#nextId++, atMs: this.#nowMs + Math.max(0, delayMs), callback };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves the clock without firing timers (the process was down). */
  jump(ms: number): void {
    this.#nowMs += ms;
  }

  async advanceBy(ms: number): Promise<void> {
    const endMs = this.#nowMs + ms;
    await settle();
    for (;;) {
      const next = this.#timers.reduce<FakeTimer | undefined>(
        (a, t) => (a === undefined || t.atMs < a.atMs ? t : a),
        undefined,
      );
      if (next === undefined || next.atMs > endMs) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#nowMs = Math.max(this.#nowMs, next.atMs);
      next.callback();
      await settle();
    }
    this.#nowMs = endMs;
  }
}

/** Lets every queued promise callback run (a macrotask turn flushes the microtask queue). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

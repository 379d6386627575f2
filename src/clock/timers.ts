/**
 * The one timer port of the server, the hub, the schedule runner and the demo: everything that
 * waits takes `Timers`, so tests fire timeouts on fake time instead of sleeping. (herald/client
 * keeps its own copy of this shape: it imports nothing but the wire format.)
 */
export interface Timers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The largest delay a JavaScript timer honours (2^31 - 1 ms, about 24.8 days); a longer one fires
 * at once. A wait beyond it is re-armed in steps of at most this much.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * The global timers, unref'd so that a pending timer never keeps a process alive. They read the
 * globals at call time (not at import time), so fake timers installed later still take effect.
 */
export const systemTimers: Timers = {
  setTimeout(callback, delayMs) {
    const handle = globalThis.setTimeout(callback, delayMs);
    // Deno and browsers return a number; Node returns a Timeout that can be unref'd.
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimeout(handle) {
    globalThis.clearTimeout(handle as Parameters<typeof clearTimeout>[0]);
  },
};

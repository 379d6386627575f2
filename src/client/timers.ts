/**
 * The clock and timers the client waits on. Injected so that tests drive reconnection, backoff and
 * the watchdog on fake time instead of sleeping.
 */
export interface Timers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Reads the globals at call time (not at import time), so `vi.useFakeTimers()` installed after this
 * module loaded still takes effect.
 */
export const globalTimers: Timers = {
  setTimeout: (callback, delayMs) => globalThis.setTimeout(callback, delayMs),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

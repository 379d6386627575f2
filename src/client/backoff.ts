/** How far apart reconnection attempts are spread. */
export interface BackoffPolicy {
  /** Jitter ceiling of the first attempt after a healthy connection; doubles per failed attempt. */
  baseMs: number;
  /** The jitter ceiling never grows past this. */
  capMs: number;
  /** Uniform in [0, 1), like `Math.random`. */
  random: () => number;
}

/**
 * Delay before the next reconnection: the server's reconnection time (`retry:`, default 3 s) plus
 * "full jitter" (uniform in [0, min(cap, base * 2^attempt))).
 *
 * Why jitter above `retry` rather than instead of it: `retry` is the server's floor (it asked us
 * not to come back sooner). Why full jitter: when a hub restarts, every client loses its
 * connection at the same instant; a fixed delay brings them all back at the same instant too.
 * Spreading uniformly over a window that doubles per failure turns that spike into a flat rate
 * (see "Exponential Backoff And Jitter", AWS Architecture Blog, 2015).
 *
 * `failedAttempts` counts attempts since the last successful open (0 for the first reconnection).
 */
export function reconnectDelayMs(retryMs: number, failedAttempts: number, policy: BackoffPolicy): number {
  // 2 ** 1100 is Infinity; Math.min brings it back to the cap.
  const ceilingMs = Math.min(policy.capMs, policy.baseMs * 2 ** failedAttempts);
  return retryMs + Math.floor(policy.random() * ceilingMs);
}

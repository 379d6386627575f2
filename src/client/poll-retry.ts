/**
 * Statuses after which a poll is retried rather than failed: a hub that is overloaded or
 * restarting (503), a gateway that lost it for a moment (502, 504), a rate limit (429). Polling is
 * Herald's own protocol, so it may be kinder than the WHATWG event stream, which fails on any
 * non-200. Other statuses (400, 401, 403, 404, 500...) will not heal by waiting: they still fail.
 */
export function isTemporaryStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/**
 * A `Retry-After` ceiling: a typo'd or hostile value must not park the client for days (timers
 * also overflow past 2^31 - 1 ms and would fire at once).
 */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * `Retry-After` in ms when it is delta-seconds (RFC 9110, 10.2.3), else 0. The HTTP-date form is
 * ignored: turning it into a delay needs the client's and server's clocks to agree, and the
 * backoff still spaces the retries.
 */
export function retryAfterMs(header: string | null): number {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return 0;
  return Math.min(Number(header) * 1000, MAX_RETRY_AFTER_MS);
}

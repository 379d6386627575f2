/**
 * The hub's clock minus this browser's, in ms, from `GET /healthz` (`serverTimeMs`), taken at the
 * midpoint of the round trip as NTP does. The ticker stamps prices with the hub's clock; comparing
 * them with "when did I reconnect" needs both on one clock. On the demo's loopback the round trip
 * is a millisecond or two, so the error is too. Resolves with `fallbackMs` when the hub does not answer.
 */
export async function measureServerOffsetMs(fallbackMs: number): Promise<number> {
  try {
    const sentMs = Date.now();
    const response = await fetch('/healthz', { cache: 'no-store' });
    const receivedMs = Date.now();
    if (!response.ok) return fallbackMs;
    const { serverTimeMs } = (await response.json()) as { serverTimeMs?: unknown };
    if (typeof serverTimeMs !== 'number') return fallbackMs;
    return serverTimeMs - (sentMs + receivedMs) / 2;
  } catch {
    return fallbackMs;
  }
}

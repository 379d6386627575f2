import type { TransportName } from '../../src/client/index.js';

export const TRANSPORTS: readonly TransportName[] = ['short-poll', 'long-poll', 'sse'];

/** `herald_<name>{transport="x"} value` lines of the hub's Prometheus text. */
export function perTransport(text: string, name: string): Map<string, number> {
  const values = new Map<string, number>();
  const pattern = new RegExp(`^${name}\\{transport="([^"]+)"\\} (\\S+)$`, 'gm');
  for (const match of text.matchAll(pattern)) values.set(match[1] ?? '', Number(match[2]));
  return values;
}

/** The hub's open connections per transport (all of its clients, not only this page). */
export type HubConnections = Record<TransportName, number>;

/**
 * Reads `herald_connections` from `/metrics` every `intervalMs` and hands it to `onSample`;
 * `onError` when the hub does not answer (restarting, or metrics not served). A transport that
 * never had a connection has no line yet: it counts as 0.
 */
export function pollHubConnections(
  intervalMs: number,
  onSample: (connections: HubConnections) => void,
  onError: () => void,
): void {
  const sample = async () => {
    try {
      const response = await fetch('/metrics', { cache: 'no-store' });
      if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
      const gauge = perTransport(await response.text(), 'herald_connections');
      onSample({
        sse: gauge.get('sse') ?? 0,
        'long-poll': gauge.get('long-poll') ?? 0,
        'short-poll': gauge.get('short-poll') ?? 0,
      });
    } catch {
      onError();
    }
    setTimeout(sample, intervalMs);
  };
  void sample();
}

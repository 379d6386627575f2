import { byId, h } from '../../shared/dom.js';

const TRANSPORTS = ['sse', 'long-poll', 'short-poll'] as const;

/** `herald_<name>{transport="x"} value` lines of the hub's Prometheus text. */
export function perTransport(text: string, name: string): Map<string, number> {
  const values = new Map<string, number>();
  const pattern = new RegExp(`^${name}\\{transport="([^"]+)"\\} (\\S+)$`, 'gm');
  for (const match of text.matchAll(pattern)) values.set(match[1] ?? '', Number(match[2]));
  return values;
}

/** The hub's own view (`/metrics`), refreshed every 2 s: open connections and live deliveries. */
export function startHubMetrics(): void {
  const body = byId('hub-metrics-body');
  const refresh = async () => {
    try {
      const text = await (await fetch('/metrics')).text();
      const connections = perTransport(text, 'herald_connections');
      const delivered = perTransport(text, 'herald_delivered_events_total');
      body.replaceChildren(
        ...TRANSPORTS.map((transport) =>
          h(
            'tr',
            {},
            h('th', {}, transport),
            h('td', {}, String(connections.get(transport) ?? 0)),
            h('td', {}, String(delivered.get(transport) ?? 0)),
          ),
        ),
      );
    } catch {
      // The hub may be restarting: keep the last numbers.
    }
  };
  void refresh();
  setInterval(refresh, 2000);
}

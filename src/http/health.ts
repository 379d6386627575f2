import { formatInstant } from '../time/index.js';
import type { Exchange } from '../transports/index.js';
import type { HttpContext } from './context.js';
import { sendJson } from './send.js';

/** `GET /healthz`: 200 while serving, 503 while draining; the server's time for clock-offset estimates. */
export function serveHealth(context: HttpContext, exchange: Exchange): void {
  const nowMs = context.hub.clock.nowMs();
  sendJson(exchange, context.isDraining ? 503 : 200, {
    status: context.isDraining ? 'draining' : 'ok',
    // Both spellings, so a client can estimate its clock offset (docs/time.md).
    serverTime: formatInstant(nowMs),
    serverTimeMs: nowMs,
    subscribers: context.hub.subscribers.size,
  });
}

/** `GET /metrics`: the Prometheus text exposition of the hub's registry. */
export async function serveMetrics(context: HttpContext, exchange: Exchange): Promise<void> {
  const { registry } = context.metrics;
  const body = await registry.metrics();
  exchange.respond(200, { 'content-type': registry.contentType }, body);
}

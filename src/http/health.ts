import { isStoreError } from '../hub/index.js';
import { formatInstant } from '../time/index.js';
import type { Exchange } from '../transports/index.js';
import type { HttpContext } from './context.js';
import { sendJson } from './send.js';

/**
 * `GET /healthz`, liveness: 200 while serving, 503 while draining, whatever the store does (a hub
 * whose Redis is down is alive and recovers by itself: restarting it would not help). The server's
 * time for clock-offset estimates, and the pid of the process that answered (one of several with
 * `herald serve --workers`).
 */
export function serveHealth(context: HttpContext, exchange: Exchange): void {
  const nowMs = context.hub.clock.nowMs();
  sendJson(exchange, context.isDraining ? 503 : 200, {
    status: context.isDraining ? 'draining' : 'ok',
    // Both spellings, so a client can estimate its clock offset (docs/time.md).
    serverTime: formatInstant(nowMs),
    serverTimeMs: nowMs,
    subscribers: context.hub.subscribers.size,
    pid: process.pid,
  });
}

/** Why this process should get no traffic now. */
export type NotReadyReason = 'draining' | 'store-unavailable' | 'broker-unavailable';

const NOT_READY_MESSAGES: Record<NotReadyReason, string> = {
  draining: 'the hub is shutting down',
  'store-unavailable': 'the event store does not answer: publications would be refused',
  'broker-unavailable': 'the broker cannot read what other hub processes publish',
};

/** How long a client (or a load balancer that reads it) should wait before asking again. */
const NOT_READY_RETRY_AFTER_S = '1';

/**
 * `GET /readyz`, readiness: 200 `{ status: "ready" }` when this process can take publications and
 * deliver them (the store answers `ping`, the broker is connected), else 503 with `Retry-After` and
 * `{ status: "not-ready", reason, message }`. The open subscriptions are not touched: they stay open
 * through an outage and receive what is published once it is over.
 *
 * The reason is a fixed code, never the storage's own error (which may name hosts): that goes to the
 * log, once when readiness is lost and once when it is back, not on every probe.
 */
export class Readiness {
  #lastReason: NotReadyReason | undefined;

  async serve(context: HttpContext, exchange: Exchange): Promise<void> {
    const { reason, error } = await this.#check(context);
    this.#log(context, reason, error);
    if (reason === undefined) {
      sendJson(exchange, 200, { status: 'ready' });
      return;
    }
    sendJson(
      exchange,
      503,
      { status: 'not-ready', reason, message: NOT_READY_MESSAGES[reason] },
      { 'retry-after': NOT_READY_RETRY_AFTER_S },
    );
  }

  async #check(context: HttpContext): Promise<{ reason?: NotReadyReason; error?: unknown }> {
    if (context.isDraining) return { reason: 'draining' };
    const { store, broker } = context.hub;
    const [stored, brokered] = await Promise.allSettled([store.ping(), broker.ping()]);
    if (stored.status === 'rejected') return { reason: 'store-unavailable', error: stored.reason };
    if (brokered.status === 'rejected') return { reason: 'broker-unavailable', error: brokered.reason };
    return {};
  }

  #log(context: HttpContext, reason: NotReadyReason | undefined, error: unknown): void {
    const previous = this.#lastReason;
    this.#lastReason = reason;
    if (reason === previous || reason === 'draining') return;
    if (reason === undefined) {
      context.logger?.info({ previous }, 'ready again');
      return;
    }
    // Anything but a StoreError is a bug in an adapter: logged as an error, with its stack.
    if (isStoreError(error)) context.logger?.warn({ reason, err: error }, 'not ready');
    else context.logger?.error({ reason, err: error }, 'readiness check failed');
  }
}

/** `GET /metrics`: the Prometheus text exposition of the hub's registry. */
export async function serveMetrics(context: HttpContext, exchange: Exchange): Promise<void> {
  const { registry } = context.metrics;
  const body = await registry.metrics();
  exchange.respond(200, { 'content-type': registry.contentType }, body);
}

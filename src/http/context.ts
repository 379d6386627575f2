import type { Logger } from 'pino';
import type { Hub } from '../hub/index.js';
import type { ScheduleService } from '../schedule/index.js';
import type { SseTransportOptions } from '../transports/index.js';
import type { Authorizer } from './authorizer.js';
import type { TrustedProxies } from './client-address.js';
import type { ConnectionLimiter } from './limits.js';
import type { HubMetrics } from './metrics.js';
import type { HttpOptions } from './options.js';
import type { RateLimiter } from './rate-limit.js';

/** What every endpoint reads: one object, built once by the router, shared by all requests. */
export interface HttpContext {
  readonly hub: Hub;
  readonly authorizer: Authorizer;
  readonly metrics: HubMetrics;
  readonly options: HttpOptions;
  readonly logger: Logger | undefined;
  /** Scheduled publishing; `undefined` turns the schedules API and `deliver_*` fields off. */
  readonly schedules: ScheduleService | undefined;
  readonly limiter: ConnectionLimiter;
  /** Whose forwarding headers name the client (`clientAddressOf`); `undefined`: nobody's. */
  readonly trustedProxies: TrustedProxies | undefined;
  /** Publishes per token subject and per client address (`publishRate`); `undefined`: unlimited. */
  readonly publishRateLimiter?: RateLimiter | undefined;
  /** One options object for every stream (a stream keeps a reference for its lifetime). */
  readonly sseOptions: SseTransportOptions;
  /** True once the hub stopped accepting subscriptions (graceful shutdown). */
  readonly isDraining: boolean;
}

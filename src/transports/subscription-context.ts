import type { Hub, MercureVersion, SubscribeRequest } from '../hub/index.js';
import type { Exchange } from './exchange.js';

/** Everything a transport needs to serve one authorized, parsed subscription request. */
export interface SubscriptionContext {
  hub: Hub;
  exchange: Exchange;
  /** The request's version (`requestVersion`): which cursor header the answer carries. */
  version: MercureVersion;
  request: Omit<SubscribeRequest, 'sink' | 'transport' | 'isTracked'>;
  /** Headers every response carries (CORS, cache control). */
  headers: Record<string, string>;
  /** Called once when the subscription ends (releases the connection slot). */
  onEnd: () => void;
  /**
   * Counts the bytes of poll answers (metrics), one shared counter per transport. SSE event bytes
   * are counted by the hub's observer, once per event (`HubObserver.sent`).
   */
  sentBytes?: { inc(sizeBytes: number): void } | undefined;
}

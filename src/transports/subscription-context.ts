import type { Hub, SubscribeRequest } from '../hub/index.js';
import type { Exchange } from './exchange.js';

/** The Mercure revision a request speaks: 0.x (`topic=`) or draft-08 (`match…=`). */
export type ProtocolVersion = 'legacy' | 'draft-08';

/** Everything a transport needs to serve one authorized, parsed subscription request. */
export interface SubscriptionContext {
  hub: Hub;
  exchange: Exchange;
  protocol: ProtocolVersion;
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

import type { Logger } from 'pino';
import type { Hub } from '../hub/index.js';
import type { Exchange } from '../transports/index.js';
import type { Authorizer } from './authorizer.js';

/** What an extension is started with, once the hub is running. */
export interface HubExtensionContext {
  hub: Hub;
  /** The configured token verification. */
  authorizer: Authorizer;
  /** Whether keys were configured (else `authorizer` accepts no token at all). */
  hasConfiguredKeys: boolean;
  subscriptionsApi: boolean;
  logger: Logger | undefined;
}

/**
 * Routes added to the hub by another module (the demo is one): the router offers each request to
 * the extension after the Mercure endpoints, so an extension can never shadow them.
 */
export interface HubExtension {
  /** Replaces the configured authorizer, e.g. to accept the extension's own tokens beside it. */
  readonly authorizer?: Authorizer | undefined;
  /** Answers and resolves `true` when the request is the extension's; `false` leaves it to the hub. */
  handle(exchange: Exchange, path: string, cors: Record<string, string>): Promise<boolean>;
  /** Stops what the extension runs (timers, publishers); called by the hub's `close`. */
  close(): void;
}

/** `createHub`'s `extension` option: builds the extension once the hub has started. */
export type HubExtensionFactory = (context: HubExtensionContext) => HubExtension;

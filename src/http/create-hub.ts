import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Hub, type Hub as HubCore, type Scheduler } from '../hub/hub.js';
import type { Broker, Clock, RetentionPolicy, Store, StoredEvent } from '../hub/ports.js';
import type { PublishInput } from '../hub/publish.js';
import { openStore } from '../store/open.js';
import { type Authorizer, createAuthorizer, type JwtOptions } from './authorizer.js';
import { defaultHttpOptions, HttpHandler, type HttpOptions } from './handler.js';
import { HubMetrics } from './metrics.js';

export interface CreateHubOptions extends Partial<HttpOptions> {
  /** `memory` (default), `sqlite:PATH`, or an opened store and broker (closed with the hub). */
  store?: string | { store: Store; broker: Broker; retention?: RetentionPolicy };
  /** Token verification; or a ready `authorizer`. */
  jwt?: JwtOptions;
  authorizer?: Authorizer;
  retention?: RetentionPolicy;
  pruneIntervalMs?: number;
  clock?: Clock;
  scheduler?: Scheduler;
  logger?: Logger;
}

/** A hub embedded in an application: mount `handleNode` or `handleFetch`, publish from code. */
export interface HeraldHub {
  readonly hub: HubCore;
  readonly metrics: HubMetrics;
  /** For `node:http` (and Express/Fastify raw handlers). */
  handleNode(req: IncomingMessage, res: ServerResponse): void;
  /** For Fetch hosts. Served through an internal loopback `node:http` server, started on first use. */
  handleFetch(request: Request): Promise<Response>;
  publish(input: PublishInput): Promise<StoredEvent>;
  /** New subscriptions get 503; open ones stay until `close`. */
  stopAccepting(): void;
  close(): Promise<void>;
}

export async function createHub(options: CreateHubOptions = {}): Promise<HeraldHub> {
  const httpOptions: HttpOptions = { ...defaultHttpOptions };
  for (const key of Object.keys(defaultHttpOptions) as (keyof HttpOptions)[]) {
    if (options[key] !== undefined) (httpOptions as unknown as Record<string, unknown>)[key] = options[key];
  }
  const opened =
    typeof options.store === 'object'
      ? options.store
      : await openStore((options.store ?? 'memory') as 'memory');
  const metrics = new HubMetrics();
  const hub = new Hub({
    store: opened.store,
    broker: opened.broker,
    clock: options.clock,
    scheduler: options.scheduler,
    retention: options.retention ?? opened.retention,
    pruneIntervalMs: options.pruneIntervalMs,
    subscriptionEvents: httpOptions.subscriptionsApi,
    observer: metrics,
  });
  await hub.start();
  const authorizer =
    options.authorizer ??
    createAuthorizer({ ...options.jwt, baseUrl: options.jwt?.baseUrl ?? httpOptions.hubUrl });
  const handler = new HttpHandler(hub, authorizer, metrics, httpOptions, options.logger);
  let loopback: Promise<{ server: Server; origin: string }> | undefined;

  const startLoopback = () => {
    loopback ??= new Promise((resolve, reject) => {
      const server = createServer(handler.handle);
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        resolve({ server, origin: `http://127.0.0.1:${port}` });
      });
    });
    return loopback;
  };

  return {
    hub,
    metrics,
    handleNode: handler.handle,
    async handleFetch(request) {
      const { origin } = await startLoopback();
      const url = new URL(request.url);
      const init: RequestInit & { duplex?: 'half' } = {
        method: request.method,
        headers: request.headers,
        signal: request.signal,
        redirect: 'manual',
      };
      if (request.body !== null) {
        init.body = request.body;
        init.duplex = 'half';
      }
      return fetch(`${origin}${url.pathname}${url.search}`, init);
    },
    publish: (input) => hub.publish(input),
    stopAccepting: () => handler.stopAccepting(),
    async close() {
      handler.stopAccepting();
      await hub.close();
      if (loopback) {
        const { server } = await loopback;
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

import type { Logger } from 'pino';
import { Hub, type Hub as HubCore, type Scheduler } from '../hub/hub.js';
import type { Broker, Clock, RetentionPolicy, Store, StoredEvent } from '../hub/ports.js';
import type { PublishInput } from '../hub/publish.js';
import type { ScheduledPublishing } from '../hub/scheduled-publishing.js';
import { openStore } from '../store/open.js';
import type { ScheduleStore } from '../time/schedule-store.js';
import type { NodeRequest, NodeResponse } from '../transports/node-exchange.js';
import { type Authorizer, createAuthorizer, type JwtOptions } from './authorizer.js';
import { type DemoOptions, startDemo } from './demo.js';
import { defaultHttpOptions, HttpHandler, type HttpOptions } from './handler.js';
import { HubMetrics } from './metrics.js';
import { type SchedulingOptions, startScheduling } from './scheduling.js';

export interface CreateHubOptions extends Partial<HttpOptions> {
  /** `memory` (default), `sqlite:PATH`, or an opened store and broker (closed with the hub). */
  store?: string | { store: Store; broker: Broker; retention?: RetentionPolicy; schedules?: ScheduleStore };
  /** Token verification; or a ready `authorizer`. */
  jwt?: JwtOptions;
  authorizer?: Authorizer;
  retention?: RetentionPolicy;
  pruneIntervalMs?: number;
  clock?: Clock;
  scheduler?: Scheduler;
  /** Scheduled publishing (`deliver_*` publish fields, docs/time.md): timers, lease, horizon… */
  scheduling?: SchedulingOptions;
  /**
   * Local demo (`herald serve --demo`): the pages at `/`, `POST /demo/token` (tokens for fake
   * users, confined to the demo's topics), a stock ticker, and anonymous subscribers. Without JWT
   * keys a random demo key is the only one. Never in production: anyone who reaches the hub can
   * mint a token. `herald serve` refuses it under `NODE_ENV=production` and binds it to loopback;
   * an embedding application that turns it on owns that decision.
   */
  demo?: boolean | DemoOptions;
  logger?: Logger;
}

/** A hub embedded in an application: mount `handleNode` or `handleFetch`, publish from code. */
export interface HeraldHub {
  readonly hub: HubCore;
  readonly metrics: HubMetrics;
  /** Scheduled and recurring publications: list, cancel, publish later from code. */
  readonly schedules: ScheduledPublishing;
  /**
   * For `node:http` (and Express/Fastify raw handlers) and `node:http2`'s compatibility API, e.g.
   * `http2.createSecureServer({ allowHTTP1: true, ... }, handleNode)`: HTTP/2 and HTTP/1.1 on one port.
   */
  handleNode(req: NodeRequest, res: NodeResponse): void;
  /**
   * For Fetch hosts (Hono, Bun, Deno, Next.js route handlers). Fetch hides the socket: pass the
   * client's address (`clientAddress`) for the per-address connection limit, else all such
   * requests share one `unknown` bucket.
   */
  handleFetch(request: Request, options?: { clientAddress?: string }): Promise<Response>;
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
  if (options.demo) httpOptions.allowAnonymous = true;
  httpOptions.resource ??= options.jwt?.resource;
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
  const schedules = await startScheduling(hub, opened.schedules, options.scheduling, options.logger);
  const demo = startDemo(options.demo, {
    hub,
    authorizer,
    hasConfiguredKeys:
      options.authorizer !== undefined ||
      [options.jwt?.key, options.jwt?.publisherKey, options.jwt?.subscriberKey].some(Boolean),
    subscriptionsApi: httpOptions.subscriptionsApi,
    logger: options.logger,
  });
  const handler = new HttpHandler(
    hub,
    demo?.authorizer ?? authorizer,
    metrics,
    httpOptions,
    options.logger,
    schedules,
    demo,
  );
  return {
    hub,
    metrics,
    schedules,
    handleNode: handler.handle,
    handleFetch: handler.handleFetch,
    publish: (input) => hub.publish(input),
    stopAccepting: () => handler.stopAccepting(),
    async close() {
      handler.stopAccepting();
      demo?.close();
      await schedules.close();
      await hub.close();
    },
  };
}

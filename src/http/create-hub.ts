import type { Logger } from 'pino';
import { type Clock, systemClock, type Timers } from '../clock/index.js';
import {
  type Broker,
  Hub,
  type Hub as HubCore,
  LocalSubscriberDirectory,
  type PublishInput,
  type RetentionPolicy,
  type Store,
  type StoredEvent,
  type SubscriberDirectory,
} from '../hub/index.js';
import { ScheduleService, type ScheduleServiceOptions, type ScheduleStore } from '../schedule/index.js';
import { MemoryScheduleStore, openStore } from '../store/index.js';
import type { NodeRequest, NodeResponse } from '../transports/index.js';
import { type Authorizer, createAuthorizer, type JwtOptions, ReplaceableAuthorizer } from './authorizer.js';
import { TrustedProxies, trustedProxiesOf } from './client-address.js';
import type { HubExtensionFactory } from './extension.js';
import { HubMetrics } from './metrics.js';
import {
  defaultHttpOptions,
  type HttpOptions,
  RELOADABLE_HTTP_OPTIONS,
  type ReloadableHttpOptions,
} from './options.js';
import { publishRateLimiterOf, publishRateOf } from './rate-limit.js';
import { HubRouter } from './router.js';

/** `createHub`'s `schedules` option: the schedule runner's knobs (timers, lease, horizon, worker id). */
export type ScheduleOptions = Omit<ScheduleServiceOptions, 'hub' | 'store' | 'onError'>;

export interface CreateHubOptions extends Partial<HttpOptions> {
  /**
   * `memory` (default), `sqlite:PATH`, `redis://…`, or an opened store and broker (closed with the
   * hub), with the subscriber directory `openStore` opened for Redis (else a local one).
   */
  store?:
    | string
    | {
        store: Store;
        broker: Broker;
        retention?: RetentionPolicy;
        schedules?: ScheduleStore;
        subscriberDirectory?: SubscriberDirectory | undefined;
      };
  /** Token verification; or a ready `authorizer`. */
  jwt?: JwtOptions;
  authorizer?: Authorizer;
  retention?: RetentionPolicy;
  pruneIntervalMs?: number;
  clock?: Clock;
  /** What token expiry, retention and scheduled deliveries wait on; fake ones in tests. */
  timers?: Timers;
  /** Scheduled publishing (`deliver_*` publish fields, docs/time.md): timers, lease, horizon… */
  schedules?: ScheduleOptions;
  /**
   * Routes of another module, offered each request the hub's endpoints do not take (the demo's
   * `demoExtension`, through `createDemoHub`).
   */
  extension?: HubExtensionFactory;
  logger?: Logger;
  /**
   * Serve `/healthz`, `/readyz` and `/metrics` through `handleNode` / `handleFetch` (default true).
   * False when an admin listener (`handleAdmin`, `createAdminServer`) serves them instead.
   */
  publicOperations?: boolean;
}

/**
 * What `HeraldHub.reconfigure` changes while the hub runs. Open streams stay open: each change
 * applies to the requests and streams that come next.
 */
export interface HubReconfiguration {
  /**
   * New token verification, built as `createHub`'s `jwt` is: key files are read again, remote JWK
   * Sets start with an empty cache (fetched again at the next token), and tokens are checked with
   * the new keys only from then on.
   */
  jwt?: JwtOptions;
  /** Or a ready authorizer. */
  authorizer?: Authorizer;
  /**
   * New values of the options that can change at run time; one given as `undefined` returns to its
   * default, one left out keeps its value. `publishRate` 0 turns the rate limit off; from 0 to a
   * rate turns it on, every client starting with a full bucket.
   */
  options?: Partial<ReloadableHttpOptions>;
}

/** A hub embedded in an application: mount `handleNode` or `handleFetch`, publish from code. */
export interface HeraldHub {
  readonly hub: HubCore;
  readonly metrics: HubMetrics;
  /** Scheduled and recurring publications: list, cancel, publish later from code. */
  readonly schedules: ScheduleService;
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
  /**
   * For an admin listener on a private address (`createAdminServer`, `herald serve --admin-port`):
   * `/healthz`, `/readyz` and `/metrics` only, whatever `publicOperations` says; 404 for the rest.
   */
  handleAdmin(req: NodeRequest, res: NodeResponse): void;
  /**
   * Takes a slot for a connection from `address` that has not finished its first request's headers,
   * or throws an `HttpError` (429) past the connection caps (`maxConnections`, `maxConnectionsPerIp`,
   * reloadable); returns the function that gives it back. `createHubServer` takes one per new
   * connection, so that unfinished sockets cannot pile up. They are counted against the same caps
   * as subscriptions, apart from them: a client at its subscription cap can still publish.
   */
  acquireConnection(address: string): () => void;
  /**
   * Whose forwarding headers name the client (`trustProxy`): always the current set, a reload
   * replaces what `has` answers. Their connections hold many clients' and are not counted per address.
   */
  readonly trustedProxies: TrustedProxies;
  publish(input: PublishInput): Promise<StoredEvent>;
  /**
   * Applies a configuration reload: all of it, or, when anything in it is invalid, nothing (it
   * throws, naming the option). Open streams are never cut.
   */
  reconfigure(changes: HubReconfiguration): void;
  /** New subscriptions get 503; open ones stay until `close`. */
  stopAccepting(): void;
  /** Ends every subscription; a publication racing it gets 503 with `Retry-After` unless stored. */
  close(): Promise<void>;
}

export async function createHub(options: CreateHubOptions = {}): Promise<HeraldHub> {
  const httpOptions: HttpOptions = { ...defaultHttpOptions };
  for (const key of Object.keys(defaultHttpOptions) as (keyof HttpOptions)[]) {
    if (options[key] !== undefined) (httpOptions as unknown as Record<string, unknown>)[key] = options[key];
  }
  httpOptions.resource ??= options.jwt?.resource;
  const trustedProxies = new ReplaceableTrustedProxies(trustedProxiesOf(httpOptions.trustProxy));
  // Checks `publishRate` / `publishBurst` before anything is opened (the router builds its own).
  publishRateLimiterOf(httpOptions, systemClock);
  // Before anything is opened: a configuration error (e.g. `resource` without `issuer`) leaks nothing.
  const authorizerOf = (jwt: JwtOptions | undefined) =>
    createAuthorizer({ ...jwt, baseUrl: jwt?.baseUrl ?? httpOptions.hubUrl });
  // One holder, so that a reload swaps the keys under the router and any extension wrapping it.
  const authorizer = new ReplaceableAuthorizer(options.authorizer ?? authorizerOf(options.jwt));
  const opened =
    typeof options.store === 'object'
      ? options.store
      : await openStore(options.store ?? 'memory', { redisSubscribers: { timers: options.timers } });
  // Every process's subscribers on a shared store (Redis), this process's otherwise.
  const directory = opened.subscriberDirectory ?? new LocalSubscriberDirectory();
  const metrics = new HubMetrics({ directory });
  // An event larger than a subscriber's queue could never be delivered: refused at publish, and
  // when scheduled (it would fail at its due time, after the 201).
  const publishLimits = { maxEventBytes: httpOptions.maxQueueBytes };
  const hub = new Hub({
    store: opened.store,
    broker: opened.broker,
    directory,
    clock: options.clock,
    timers: options.timers,
    retention: options.retention ?? opened.retention,
    pruneIntervalMs: options.pruneIntervalMs,
    subscriptionEvents: httpOptions.subscriptionsApi,
    publishLimits,
    observer: metrics,
  });
  await hub.start();
  const logger = options.logger;
  // The schedule store opened beside the events (a memory one for a store passed without it).
  // `start` delivers what fell due while the hub was down before the hub serves requests.
  const schedules = new ScheduleService({
    publishLimits,
    ...options.schedules,
    hub,
    store: opened.schedules ?? new MemoryScheduleStore(),
    timers: options.schedules?.timers ?? hub.timers,
    onError: (error, schedule) =>
      logger?.error({ err: error, scheduleId: schedule?.id }, 'scheduled delivery failed'),
  });
  await schedules.start();
  const extension = options.extension?.({
    hub,
    authorizer,
    hasConfiguredKeys:
      options.authorizer !== undefined ||
      [
        options.jwt?.key,
        options.jwt?.publisherKey,
        options.jwt?.subscriberKey,
        options.jwt?.jwksUrl,
        options.jwt?.publisherJwksUrl,
        options.jwt?.subscriberJwksUrl,
      ].some(Boolean),
    subscriptionsApi: httpOptions.subscriptionsApi,
    logger,
  });
  const router = new HubRouter({
    hub,
    authorizer,
    metrics,
    options: httpOptions,
    logger,
    schedules,
    extension,
    trustedProxies,
    publicOperations: options.publicOperations,
  });
  return {
    hub,
    metrics,
    schedules,
    handleNode: router.handle,
    handleFetch: router.handleFetch,
    handleAdmin: router.handleAdmin,
    acquireConnection: (address) => router.limiter.acquireUnfinished(address),
    trustedProxies,
    publish: (input) => hub.publish(input),
    reconfigure(changes) {
      // Everything that can throw first, so that a refused reload changes nothing.
      const next = nextHttpOptions(httpOptions, changes.options ?? {});
      const nextProxies = trustedProxiesOf(next.trustProxy);
      const nextRate = publishRateOf(next);
      const nextAuthorizer =
        changes.authorizer ?? (changes.jwt === undefined ? undefined : authorizerOf(changes.jwt));
      // The router reads `httpOptions` per request. The streams' options object is shared by the
      // open streams too, which read the heartbeat, flush window and lifetime once, when they
      // start, and the shutdown hint when the hub closes (the new one, then).
      Object.assign(httpOptions, next);
      Object.assign(router.sseOptions, {
        heartbeatMs: next.heartbeatMs,
        shutdownRetryMs: next.shutdownRetryMs,
        flushDelayMs: next.flushDelayMs,
        maxConnectionLifetimeMs: next.maxConnectionLifetimeMs,
      });
      router.limiter.reconfigure(next);
      router.setPublishRate(nextRate);
      trustedProxies.replace(nextProxies);
      if (nextAuthorizer !== undefined) authorizer.replace(nextAuthorizer);
    },
    stopAccepting: () => router.stopAccepting(),
    async close() {
      router.stopAccepting();
      extension?.close();
      await schedules.close();
      await hub.close();
    },
  };
}

/** `current` with `changes` applied: a change given as `undefined` is the option's default. */
function nextHttpOptions(current: HttpOptions, changes: Partial<ReloadableHttpOptions>): HttpOptions {
  const next: HttpOptions = { ...current };
  const reloadable = new Set<string>(RELOADABLE_HTTP_OPTIONS);
  for (const [key, value] of Object.entries(changes)) {
    if (!reloadable.has(key)) throw new Error(`${key}: cannot change while the hub runs`);
    const name = key as keyof ReloadableHttpOptions;
    (next as unknown as Record<string, unknown>)[name] =
      value === undefined ? defaultHttpOptions[name] : value;
  }
  return next;
}

/**
 * The trusted proxies the router asks, replaceable by a reload. It trusts nobody of its own: `has`
 * asks the current set (none: the socket's address, whatever the headers say).
 */
class ReplaceableTrustedProxies extends TrustedProxies {
  #current: TrustedProxies | undefined;

  constructor(initial: TrustedProxies | undefined) {
    super([]);
    this.#current = initial;
  }

  replace(next: TrustedProxies | undefined): void {
    this.#current = next;
  }

  override has(address: string): boolean {
    return this.#current?.has(address) ?? false;
  }
}

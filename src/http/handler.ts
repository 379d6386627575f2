import type { Logger } from 'pino';
import { canReceive, type Grant } from '../hub/authorization.js';
import { AuthError } from '../hub/errors.js';
import type { Hub } from '../hub/hub.js';
import type { ScheduledPublishing } from '../hub/scheduled-publishing.js';
import { formatInstant } from '../time/instant.js';
import type { Exchange } from '../transports/exchange.js';
import { type FetchExchange, fetchExchange } from '../transports/fetch-exchange.js';
import { type NodeRequest, type NodeResponse, nodeExchange } from '../transports/node-exchange.js';
import { servePoll } from '../transports/poll.js';
import { type SseTransportOptions, serveSse } from '../transports/sse.js';
import type { ProtocolVersion, SubscriptionContext } from '../transports/subscription-context.js';
import type { Authorizer } from './authorizer.js';
import { readForm } from './body.js';
import { corsHeaders, isOriginAllowedForCookie, preflightHeaders } from './cors.js';
import type { DemoRoutes } from './demo.js';
import { DEMO_PAGE } from './demo-page.js';
import { HttpError } from './errors.js';
import { ConnectionLimiter } from './limits.js';
import { isAllowedLocalHost } from './loopback-host.js';
import type { ByteCounter, HubMetrics } from './metrics.js';
import { RESOURCE_METADATA_PREFIX, resourceMetadata, resourceMetadataUrl } from './resource-metadata.js';
import { publishScheduled } from './scheduled-publish.js';
import { serveSchedulesApi } from './schedules-api.js';
import { sendJson, sendText, toHttpError } from './send.js';
import { parseSubscribeRequest } from './subscribe-request.js';
import { subscriptionsDocument } from './subscriptions-api.js';
import { presentedToken } from './token.js';

export const HUB_PATH = '/.well-known/mercure';
const SUBSCRIPTIONS_PATH = `${HUB_PATH}/subscriptions`;
/** Herald extension: scheduled publications (docs/time.md). */
const SCHEDULES_PATH = `${HUB_PATH}/schedules`;
/** RFC 9728 metadata of the hub (draft-08 §Protected Resource Metadata). */
const RESOURCE_METADATA_PATH = `${RESOURCE_METADATA_PREFIX}${HUB_PATH}`;

export interface HttpOptions {
  /** The hub's public URL: base of relative URL patterns, and the origin allowed to publish with cookies. */
  hubUrl: string | undefined;
  /** Subscribers without a token may connect (they receive public updates only). */
  allowAnonymous: boolean;
  corsOrigins: string[];
  /** Largest publish body. Default 1 MiB. */
  maxBodyBytes: number;
  /** Selectors per subscribe request. */
  maxSelectors: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  heartbeatMs: number;
  /** Per-subscriber SSE queue bound: a slower reader is disconnected and resumes from its cursor. */
  maxQueueBytes: number;
  defaultLongPollTimeoutMs: number;
  maxLongPollTimeoutMs: number;
  /** Serve the active subscriptions API (and publish subscription events). */
  subscriptionsApi: boolean;
  /** The reconnection hint given to subscribers when the hub shuts down. */
  shutdownRetryMs: number;
  /**
   * The hub's resource identifier (draft-08 `aud`, `--resource`): enables the protected resource
   * metadata and its `resource_metadata` link in 401 challenges. `createHub` defaults it to `jwt.resource`.
   */
  resource: string | undefined;
  /** Issuers advertised as `authorization_servers` in the protected resource metadata. */
  authorizationServers: string[];
  /**
   * Host names besides loopback ones under which `POST /demo/token` answers: only for a demo bound
   * to another host on purpose (a DNS-rebinding guard refuses every other `Host`).
   */
  demoHosts: string[];
  /**
   * SSE coalescing window: events for a stream within this many milliseconds go out in one write.
   * 0 (default): written at the end of the event-loop turn, which already batches what arrives
   * together; a few ms trade that much latency for fewer syscalls at steady rates (bench/fanout).
   */
  flushDelayMs: number;
}

export const defaultHttpOptions: HttpOptions = {
  hubUrl: undefined,
  allowAnonymous: false,
  corsOrigins: [],
  maxBodyBytes: 1024 * 1024,
  maxSelectors: 32,
  maxConnections: 10_000,
  maxConnectionsPerIp: 256,
  heartbeatMs: 15_000,
  maxQueueBytes: 1024 * 1024,
  defaultLongPollTimeoutMs: 25_000,
  maxLongPollTimeoutMs: 60_000,
  subscriptionsApi: false,
  shutdownRetryMs: 1_000,
  resource: undefined,
  authorizationServers: [],
  demoHosts: [],
  flushDelayMs: 0,
};

const NO_STORE = 'private, no-cache, no-store, must-revalidate, max-age=0';

/** An anonymous subscriber never receives private events: one function shared by all of them. */
const NO_PRIVATE = (): boolean => false;

/**
 * One subscribe request, as the transports see it: a class, so `onEnd` is a method on the
 * prototype rather than a closure (and its context) per connection.
 */
class HttpSubscription implements SubscriptionContext {
  readonly hub: Hub;
  readonly exchange: Exchange;
  readonly protocol: ProtocolVersion;
  readonly request: SubscriptionContext['request'];
  headers: Record<string, string> = {};
  /** SSE bytes are counted by the hub's observer, once per event; polls count their answers. */
  readonly sentBytes: ByteCounter | undefined;
  #release: () => void;
  #metrics: HubMetrics;
  #transport: string;
  #hasEnded = false;

  constructor(
    hub: Hub,
    exchange: Exchange,
    protocol: ProtocolVersion,
    request: SubscriptionContext['request'],
    ending: { release: () => void; metrics: HubMetrics; transport: string },
  ) {
    this.hub = hub;
    this.exchange = exchange;
    this.protocol = protocol;
    this.request = request;
    this.#release = ending.release;
    this.#metrics = ending.metrics;
    this.#transport = ending.transport;
    this.sentBytes = ending.transport === 'sse' ? undefined : ending.metrics.sentBytesOf(ending.transport);
  }

  /** Releases the connection slot and the connections gauge, once. */
  onEnd(): void {
    if (this.#hasEnded) return;
    this.#hasEnded = true;
    this.#release();
    this.#metrics.connections.dec({ transport: this.#transport });
  }
}

/** Routes requests to the Mercure endpoints, health, metrics and the demo page. */
export class HttpHandler {
  readonly limiter: ConnectionLimiter;
  #hub: Hub;
  #authorizer: Authorizer;
  #options: HttpOptions;
  #metrics: HubMetrics;
  #logger: Logger | undefined;
  #schedules: ScheduledPublishing | undefined;
  #demo: DemoRoutes | undefined;
  #isDraining = false;
  /** One options object for every stream (a stream keeps a reference for its lifetime). */
  #sseOptions: SseTransportOptions;

  constructor(
    hub: Hub,
    authorizer: Authorizer,
    metrics: HubMetrics,
    options: HttpOptions,
    logger?: Logger,
    schedules?: ScheduledPublishing,
    demo?: DemoRoutes,
  ) {
    this.#schedules = schedules;
    this.#demo = demo;
    this.#hub = hub;
    this.#authorizer = authorizer;
    this.#metrics = metrics;
    this.#options = options;
    this.#logger = logger;
    this.limiter = new ConnectionLimiter(options);
    this.#sseOptions = {
      heartbeatMs: options.heartbeatMs,
      maxQueueBytes: options.maxQueueBytes,
      shutdownRetryMs: options.shutdownRetryMs,
      flushDelayMs: options.flushDelayMs,
    };
  }

  /** New subscriptions get 503 from now on (graceful shutdown). */
  stopAccepting(): void {
    this.#isDraining = true;
  }

  /** For `node:http`, and `node:http2`'s compatibility API (HTTP/2 and HTTP/1.1 by ALPN). */
  handle = (req: NodeRequest, res: NodeResponse): void => {
    void this.serve(nodeExchange(req, res));
  };

  /**
   * For Fetch hosts. Resolves with the response as soon as it starts: an event stream's body
   * stays open. Fetch hides the socket, so per-address limits use `clientAddress` when given.
   */
  handleFetch = (request: Request, options: { clientAddress?: string } = {}): Promise<Response> => {
    const exchange: FetchExchange = fetchExchange(request, options.clientAddress);
    void this.serve(exchange);
    return exchange.response;
  };

  /** Serves one exchange, whichever host it comes from; never rejects (errors become responses). */
  serve(exchange: Exchange): Promise<void> {
    const cors = corsHeaders(exchange.headers.origin, { allowedOrigins: this.#options.corsOrigins });
    return this.#route(exchange, cors).catch((error: unknown) => {
      const httpError = toHttpError(error);
      if (httpError === undefined) this.#logger?.error({ err: error }, 'request failed');
      if (exchange.hasResponded) {
        exchange.abort();
        return;
      }
      if (httpError === undefined) {
        sendText(exchange, 500, 'internal error\n', cors);
        return;
      }
      sendText(exchange, httpError.status, `${httpError.message}\n`, {
        ...cors,
        ...this.#withResourceMetadata(httpError),
      });
    });
  }

  /**
   * draft-08: "When a request carries no access token, the hub's `WWW-Authenticate: Bearer`
   * challenge SHOULD include a `resource_metadata` parameter" (RFC 9728 §5.1).
   */
  #withResourceMetadata(httpError: HttpError): Record<string, string> {
    const metadataUrl = this.#options.resource && resourceMetadataUrl(this.#options.resource);
    if (httpError.code !== 'TOKEN_MISSING' || !metadataUrl) return httpError.headers;
    return { ...httpError.headers, 'www-authenticate': `Bearer resource_metadata="${metadataUrl}"` };
  }

  async #route(exchange: Exchange, cors: Record<string, string>): Promise<void> {
    const url = new URL(exchange.target, 'http://hub.invalid');
    const path = url.pathname;
    const method = exchange.method;
    if (method === 'OPTIONS') {
      exchange.respond(
        204,
        preflightHeaders(exchange.headers, { allowedOrigins: this.#options.corsOrigins }),
      );
      return;
    }
    if (path === HUB_PATH) {
      if (method === 'GET' || method === 'HEAD') return this.#subscribe(exchange, url, cors);
      if (method === 'POST') return this.#publish(exchange, url, cors);
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET to subscribe or POST to publish', {
        allow: 'GET, POST',
      });
    }
    if (path === SUBSCRIPTIONS_PATH || path.startsWith(`${SUBSCRIPTIONS_PATH}/`)) {
      if (!this.#options.subscriptionsApi)
        throw new HttpError(404, 'NOT_FOUND', 'the subscriptions API is disabled');
      return this.#subscriptions(exchange, url, cors);
    }
    if (path === SCHEDULES_PATH || path.startsWith(`${SCHEDULES_PATH}/`)) {
      const schedules = this.#schedules;
      if (schedules === undefined) throw new HttpError(404, 'NOT_FOUND', 'scheduled publishing is disabled');
      const grant = async () => {
        // Header only: a cookie would let another site cancel schedules (CSRF).
        const token = presentedToken(exchange.headers, new URLSearchParams());
        if (token?.source !== 'header') throw new AuthError('TOKEN_MISSING', 'a publisher token is required');
        return this.#authorizer.verifyPublisher(token.token);
      };
      const rest = (exchange.target.split('?')[0] ?? '').slice(SCHEDULES_PATH.length);
      return serveSchedulesApi({ schedules, exchange, url, rest, grant, headers: cors });
    }
    if (path === RESOURCE_METADATA_PATH && this.#options.resource !== undefined) {
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET');
      const { resource, authorizationServers, subscriptionsApi } = this.#options;
      sendJson(exchange, 200, resourceMetadata({ resource, authorizationServers, subscriptionsApi }), cors);
      return;
    }
    // Demo mode only (`--demo`): the page at `/`, its assets and `POST /demo/token`.
    if (path === '/demo/token' && this.#demo !== undefined) this.#assertDemoHost(exchange);
    if (this.#demo !== undefined && (await this.#demo.handle(exchange, path, cors))) return;
    if (this.#demo === undefined && path.startsWith('/demo/'))
      throw new HttpError(404, 'NOT_FOUND', 'not found (the demo is off: start the hub with --demo)');
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET');
    if (path === '/healthz') {
      const nowMs = this.#hub.clock.nowMs();
      sendJson(exchange, this.#isDraining ? 503 : 200, {
        status: this.#isDraining ? 'draining' : 'ok',
        // Both spellings, so a client can estimate its clock offset (docs/time.md).
        serverTime: formatInstant(nowMs),
        serverTimeMs: nowMs,
        subscribers: this.#hub.subscribers.size,
      });
      return;
    }
    if (path === '/metrics') {
      const body = await this.#metrics.registry.metrics();
      exchange.respond(200, { 'content-type': this.#metrics.registry.contentType }, body);
      return;
    }
    if (path === '/') {
      exchange.respond(200, { 'content-type': 'text/html; charset=utf-8' }, DEMO_PAGE);
      return;
    }
    throw new HttpError(404, 'NOT_FOUND', 'not found');
  }

  /**
   * `POST /demo/token` hands a publishing token to whoever asks: only a loopback `Host` (or one the
   * demo was bound to on purpose) may, so a DNS-rebound name cannot fetch one from a local hub.
   */
  #assertDemoHost(exchange: Exchange): void {
    const { headers } = exchange;
    const host = headers.host ?? (headers[':authority'] as string | undefined);
    if (!isAllowedLocalHost(host, this.#options.demoHosts)) {
      throw new HttpError(403, 'HOST_FORBIDDEN', 'demo tokens are only issued to a loopback Host');
    }
  }

  async #subscriberGrant(exchange: Exchange, url: URL): Promise<Grant | undefined> {
    const presented = presentedToken(exchange.headers, url.searchParams);
    if (presented === undefined) {
      if (this.#options.allowAnonymous) return undefined;
      throw new AuthError('TOKEN_MISSING', 'a subscriber token is required');
    }
    return this.#authorizer.verifySubscriber(presented.token);
  }

  async #subscribe(exchange: Exchange, url: URL, cors: Record<string, string>): Promise<void> {
    if (this.#isDraining)
      throw new HttpError(503, 'SHUTTING_DOWN', 'the hub is shutting down', { 'retry-after': '1' });
    const parsed = parseSubscribeRequest(url.searchParams, exchange.headers, {
      maxSelectors: this.#options.maxSelectors,
      baseUrl: this.#options.hubUrl,
    });
    const grant = await this.#subscriberGrant(exchange, url);
    const release = this.limiter.acquire(exchange.clientAddress);
    const transport = parsed.transport;
    this.#metrics.subscribeRequests.inc({ transport });
    this.#metrics.connections.inc({ transport });
    const context = new HttpSubscription(
      this.#hub,
      exchange,
      parsed.protocol,
      {
        selectors: parsed.selectors,
        canReceivePrivate: grant === undefined ? NO_PRIVATE : (event) => canReceive(grant, event),
        lastEventId: parsed.lastEventId,
        subscriberId: grant?.subject,
        // draft-08 §Payloads: per subscription, from that subscription's own matcher.
        payloadFor: grant && ((selector) => grant.payloadFor(selector.raw)),
        expiresAtMs: grant?.expiresAtMs,
      },
      { release, metrics: this.#metrics, transport },
    );
    context.headers = { ...cors, 'cache-control': NO_STORE };
    try {
      if (transport === 'sse') {
        await serveSse(context, this.#sseOptions);
      } else {
        const requestedMs = parsed.timeoutMs ?? this.#options.defaultLongPollTimeoutMs;
        await servePoll(context, {
          mode: transport,
          timeoutMs: Math.min(requestedMs, this.#options.maxLongPollTimeoutMs),
          gatherMs: 5,
          maxEvents: 1000,
        });
      }
    } catch (error) {
      context.onEnd();
      throw error;
    }
  }

  async #publish(exchange: Exchange, url: URL, cors: Record<string, string>): Promise<void> {
    const presented = presentedToken(exchange.headers, url.searchParams);
    if (presented === undefined) throw new AuthError('TOKEN_MISSING', 'a publisher token is required');
    if (presented.source === 'cookie') {
      const hubOrigin = this.#options.hubUrl ? new URL(this.#options.hubUrl).origin : undefined;
      if (
        !isOriginAllowedForCookie(exchange.headers.origin, hubOrigin, {
          allowedOrigins: this.#options.corsOrigins,
        })
      ) {
        throw new HttpError(403, 'ORIGIN_FORBIDDEN', 'publishing with a cookie requires an allowed Origin');
      }
    }
    const grant = await this.#authorizer.verifyPublisher(presented.token);
    const form = await readForm(exchange, this.#options.maxBodyBytes);
    const topics = form.getAll('topic');
    for (const topic of topics) {
      if (!grant.canPublish(topic)) {
        throw new AuthError('FORBIDDEN', 'the token does not allow publishing on every topic');
      }
    }
    const input = {
      topics,
      data: form.get('data') ?? undefined,
      isPrivate: form.has('private'),
      id: form.get('id') ?? undefined,
      type: form.get('type') ?? undefined,
      retry: form.get('retry') ?? undefined,
    };
    // `deliver_*` fields: validated the same way, stored, delivered by the scheduler (docs/time.md).
    const schedules = this.#schedules;
    if (schedules && (await publishScheduled({ schedules, form, input, grant, exchange, headers: cors }))) {
      return;
    }
    const event = await this.#hub.publish(input);
    sendText(exchange, 200, event.id, cors);
  }

  async #subscriptions(exchange: Exchange, url: URL, cors: Record<string, string>): Promise<void> {
    if (exchange.method !== 'GET')
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET', { allow: 'GET' });
    const grant = await this.#subscriberGrant(exchange, url);
    // The topic to authorize is the requested path (draft-08 §Subscription API).
    const rawPath = exchange.target.split('?')[0] ?? '';
    if (!grant?.canSubscribe(rawPath)) {
      throw new AuthError('FORBIDDEN', 'the token does not allow reading these subscriptions');
    }
    const doc = subscriptionsDocument(this.#hub, rawPath);
    if (doc === undefined) throw new HttpError(404, 'NOT_FOUND', 'no such active subscription');
    sendJson(exchange, 200, doc, { ...cors, 'cache-control': 'must-revalidate' }, 'application/ld+json');
  }
}

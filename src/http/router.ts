import type { Logger } from 'pino';
import type { Hub } from '../hub/index.js';
import type { ScheduleService } from '../schedule/index.js';
import {
  type Exchange,
  type FetchExchange,
  fetchExchange,
  type NodeRequest,
  type NodeResponse,
  nodeExchange,
  type SseTransportOptions,
} from '../transports/index.js';
import { logFetchRequest, logNodeRequest } from './access-log.js';
import type { Authorizer } from './authorizer.js';
import { clientAddressOf, type TrustedProxies, trustedProxiesOf } from './client-address.js';
import type { HttpContext } from './context.js';
import { corsHeaders, preflightHeaders } from './cors.js';
import { HttpError } from './errors.js';
import type { HubExtension } from './extension.js';
import { assertFormEncoding } from './form-encoding.js';
import { Readiness, serveHealth, serveMetrics } from './health.js';
import { ConnectionLimiter } from './limits.js';
import type { HubMetrics } from './metrics.js';
import {
  type HttpOptions,
  HUB_PATH,
  RESOURCE_METADATA_PATH,
  SCHEDULES_PATH,
  SUBSCRIPTIONS_PATH,
} from './options.js';
import { servePublish } from './publish.js';
import { publishRateLimiterOf, RateLimiter } from './rate-limit.js';
import { resourceMetadataUrl, serveResourceMetadata } from './resource-metadata.js';
import { serveSchedules } from './schedules.js';
import { sendText, toHttpError } from './send.js';
import { serveSubscribe } from './subscribe.js';
import { serveSubscriptions } from './subscriptions.js';

/** What the router is built from: one object, not positional arguments. */
export interface HubRouterParts {
  hub: Hub;
  authorizer: Authorizer;
  metrics: HubMetrics;
  options: HttpOptions;
  logger?: Logger | undefined;
  schedules?: ScheduleService | undefined;
  /** Routes of another module (the demo), offered each request the hub's endpoints did not take. */
  extension?: HubExtension | undefined;
  /** `options.trustProxy` parsed (by `createHub`, before it opens anything); else parsed here. */
  trustedProxies?: TrustedProxies | undefined;
  /**
   * Whether `/healthz`, `/readyz` and `/metrics` are served by `handle` / `handleFetch` (default
   * true); `handleAdmin` serves them either way (the admin listener, `--admin-port`).
   */
  publicOperations?: boolean | undefined;
}

const OPERATIONS_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

const isUnder = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/**
 * Routes each request to its endpoint (one file each: publish, subscribe, subscriptions,
 * schedules, health and readiness, resource metadata), turns errors into answers, and holds what
 * every endpoint shares (`HttpContext`).
 */
export class HubRouter implements HttpContext {
  readonly hub: Hub;
  readonly authorizer: Authorizer;
  readonly metrics: HubMetrics;
  readonly options: HttpOptions;
  readonly logger: Logger | undefined;
  readonly schedules: ScheduleService | undefined;
  readonly limiter: ConnectionLimiter;
  readonly trustedProxies: TrustedProxies | undefined;
  /** Replaced by a reload that turns the limit on or off (`setPublishRate`). */
  publishRateLimiter: RateLimiter | undefined;
  readonly sseOptions: SseTransportOptions;
  readonly #extension: HubExtension | undefined;
  readonly #readiness = new Readiness();
  readonly #publicOperations: boolean;
  #isDraining = false;

  constructor(parts: HubRouterParts) {
    this.hub = parts.hub;
    this.authorizer = parts.extension?.authorizer ?? parts.authorizer;
    this.metrics = parts.metrics;
    this.options = parts.options;
    this.logger = parts.logger;
    this.schedules = parts.schedules;
    this.#extension = parts.extension;
    this.#publicOperations = parts.publicOperations ?? true;
    this.limiter = new ConnectionLimiter(parts.options);
    this.trustedProxies = parts.trustedProxies ?? trustedProxiesOf(parts.options.trustProxy);
    this.publishRateLimiter = publishRateLimiterOf(parts.options, parts.hub.clock);
    const { heartbeatMs, maxQueueBytes, shutdownRetryMs, flushDelayMs, maxConnectionLifetimeMs } =
      parts.options;
    this.sseOptions = {
      heartbeatMs,
      maxQueueBytes,
      shutdownRetryMs,
      flushDelayMs,
      maxConnectionLifetimeMs,
      takeOverConnection: parts.options.takeOverConnections,
    };
  }

  /**
   * The publish rate limit from now on: `undefined` turns it off; a rate turns it on with full
   * buckets, or retunes the running limiter, whose buckets are kept.
   */
  setPublishRate(limits: { ratePerSecond: number; burst: number } | undefined): void {
    if (limits === undefined) this.publishRateLimiter = undefined;
    else if (this.publishRateLimiter === undefined) {
      this.publishRateLimiter = new RateLimiter({ ...limits, clock: this.hub.clock });
    } else this.publishRateLimiter.reconfigure(limits);
  }

  get isDraining(): boolean {
    return this.#isDraining;
  }

  /** New subscriptions get 503 from now on (graceful shutdown). */
  stopAccepting(): void {
    this.#isDraining = true;
  }

  /** For `node:http`, and `node:http2`'s compatibility API (HTTP/2 and HTTP/1.1 by ALPN). */
  handle = (req: NodeRequest, res: NodeResponse): void => {
    if (this.options.accessLog && this.logger !== undefined) {
      logNodeRequest(this.logger, req, res, this.trustedProxies);
    }
    void this.serve(nodeExchange(req, res));
  };

  /**
   * For the admin listener (`node:http`): `/healthz`, `/readyz` and `/metrics` only, 404 for the rest.
   * No CORS and no access log: it is for probes and scrapers on a private address.
   */
  handleAdmin = (req: NodeRequest, res: NodeResponse): void => {
    const exchange = nodeExchange(req, res);
    void this.#serveOperations(exchange).catch((error: unknown) => {
      const httpError = toHttpError(error);
      if (httpError === undefined) this.logger?.error({ err: error }, 'admin request failed');
      if (exchange.hasResponded) exchange.abort();
      else if (httpError === undefined) sendText(exchange, 500, 'internal error\n');
      else sendText(exchange, httpError.status, `${httpError.message}\n`, httpError.headers);
    });
  };

  async #serveOperations(exchange: Exchange, path?: string): Promise<void> {
    path ??= new URL(exchange.target, 'http://hub.invalid').pathname;
    if (!OPERATIONS_PATHS.has(path)) throw new HttpError(404, 'NOT_FOUND', 'not found');
    const method = exchange.method;
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET');
    if (path === '/healthz') return serveHealth(this, exchange);
    if (path === '/readyz') return this.#readiness.serve(this, exchange);
    return serveMetrics(this, exchange);
  }

  /**
   * For Fetch hosts. Resolves with the response as soon as it starts: an event stream's body
   * stays open. Fetch hides the socket, so per-address limits use `clientAddress` when given.
   */
  handleFetch = (request: Request, options: { clientAddress?: string } = {}): Promise<Response> => {
    const exchange: FetchExchange = fetchExchange(request, options.clientAddress);
    if (this.options.accessLog && this.logger !== undefined) {
      const clientAddress = clientAddressOf(
        options.clientAddress ?? 'unknown',
        exchange.headers,
        this.trustedProxies,
      );
      logFetchRequest(this.logger, request, clientAddress, exchange.response);
    }
    void this.serve(exchange);
    return exchange.response;
  };

  /** Serves one exchange, whichever host it comes from; never rejects (errors become responses). */
  serve(exchange: Exchange): Promise<void> {
    const cors = corsHeaders(exchange.headers.origin, { allowedOrigins: this.options.corsOrigins });
    return this.#route(exchange, cors).catch((error: unknown) => {
      const httpError = toHttpError(error);
      if (httpError === undefined) this.logger?.error({ err: error }, 'request failed');
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
   * draft-08 §Error Responses: every `WWW-Authenticate: Bearer` challenge "SHOULD include the
   * resource_metadata parameter … not only when no token is presented" (RFC 9728 §5.1): after the
   * error code when there is one, alone otherwise.
   */
  #withResourceMetadata(httpError: HttpError): Record<string, string> {
    const metadataUrl = this.options.resource && resourceMetadataUrl(this.options.resource);
    const challenge = httpError.headers['www-authenticate'];
    if (!metadataUrl || challenge === undefined || !/^Bearer(?: |$)/.test(challenge))
      return httpError.headers;
    const parameter = `resource_metadata="${metadataUrl}"`;
    const withMetadata = challenge === 'Bearer' ? `Bearer ${parameter}` : `${challenge}, ${parameter}`;
    return { ...httpError.headers, 'www-authenticate': withMetadata };
  }

  async #route(exchange: Exchange, cors: Record<string, string>): Promise<void> {
    const url = new URL(exchange.target, 'http://hub.invalid');
    assertFormEncoding(url.search.slice(1), 'query');
    const path = url.pathname;
    const method = exchange.method;
    if (method === 'OPTIONS') {
      exchange.respond(204, preflightHeaders(exchange.headers, { allowedOrigins: this.options.corsOrigins }));
      return;
    }
    if (path === HUB_PATH) {
      // QUERY (RFC 10008): a subscription whose parameters are in the body (draft-08 §Subscription).
      if (method === 'GET' || method === 'HEAD' || method === 'QUERY') {
        return serveSubscribe(this, exchange, url, cors);
      }
      if (method === 'POST') {
        const stopTimer = this.metrics.publishDuration.startTimer();
        try {
          return await servePublish(this, exchange, url, cors);
        } finally {
          stopTimer();
        }
      }
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET (or QUERY) to subscribe or POST to publish', {
        allow: 'GET, HEAD, POST, QUERY',
      });
    }
    if (isUnder(path, SUBSCRIPTIONS_PATH)) {
      if (!this.options.subscriptionsApi)
        throw new HttpError(404, 'NOT_FOUND', 'the subscriptions API is disabled');
      return serveSubscriptions(this, exchange, url, cors);
    }
    if (isUnder(path, SCHEDULES_PATH)) return serveSchedules(this, exchange, url, cors);
    if (path === RESOURCE_METADATA_PATH && this.options.resource !== undefined) {
      return serveResourceMetadata({ ...this.options, resource: this.options.resource }, exchange, cors);
    }
    if (this.#extension !== undefined && (await this.#extension.handle(exchange, path, cors))) return;
    // With an admin listener they are served there, not here (unless asked to stay public).
    if (this.#publicOperations && OPERATIONS_PATHS.has(path)) return this.#serveOperations(exchange, path);
    if (path === '/') {
      // A hub, not a site: one line saying where the hub is (the demo's pages only with --demo).
      throw new HttpError(404, 'NOT_FOUND', `not found: this is a Mercure hub, at ${HUB_PATH}`);
    }
    throw new HttpError(404, 'NOT_FOUND', 'not found');
  }
}

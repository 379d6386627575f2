import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { canReceive, type Grant } from '../hub/authorization.js';
import { AuthError } from '../hub/errors.js';
import type { Hub } from '../hub/hub.js';
import { servePoll } from '../transports/poll.js';
import { serveSse } from '../transports/sse.js';
import type { SubscriptionContext } from '../transports/subscription-context.js';
import type { Authorizer } from './authorizer.js';
import { readFormBody } from './body.js';
import { corsHeaders, isOriginAllowedForCookie, preflightHeaders } from './cors.js';
import { DEMO_PAGE } from './demo-page.js';
import { HttpError } from './errors.js';
import { ConnectionLimiter } from './limits.js';
import type { HubMetrics } from './metrics.js';
import { sendJson, sendText, toHttpError } from './send.js';
import { parseSubscribeRequest } from './subscribe-request.js';
import { subscriptionsDocument } from './subscriptions-api.js';
import { presentedToken } from './token.js';

export const HUB_PATH = '/.well-known/mercure';
const SUBSCRIPTIONS_PATH = `${HUB_PATH}/subscriptions`;

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
};

const NO_STORE = 'private, no-cache, no-store, must-revalidate, max-age=0';

/** Routes requests to the Mercure endpoints, health, metrics and the demo page. */
export class HttpHandler {
  readonly limiter: ConnectionLimiter;
  #hub: Hub;
  #authorizer: Authorizer;
  #options: HttpOptions;
  #metrics: HubMetrics;
  #logger: Logger | undefined;
  #isDraining = false;

  constructor(hub: Hub, authorizer: Authorizer, metrics: HubMetrics, options: HttpOptions, logger?: Logger) {
    this.#hub = hub;
    this.#authorizer = authorizer;
    this.#metrics = metrics;
    this.#options = options;
    this.#logger = logger;
    this.limiter = new ConnectionLimiter(options);
  }

  /** New subscriptions get 503 from now on (graceful shutdown). */
  stopAccepting(): void {
    this.#isDraining = true;
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const cors = corsHeaders(req.headers.origin, { allowedOrigins: this.#options.corsOrigins });
    this.#route(req, res, cors).catch((error: unknown) => {
      const httpError = toHttpError(error);
      if (httpError === undefined) {
        this.#logger?.error({ err: error }, 'request failed');
        sendText(res, 500, 'internal error\n', cors);
        return;
      }
      sendText(res, httpError.status, `${httpError.message}\n`, { ...cors, ...httpError.headers });
    });
  };

  async #route(req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    const path = url.pathname;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, preflightHeaders(req.headers, { allowedOrigins: this.#options.corsOrigins }));
      res.end();
      return;
    }
    if (path === HUB_PATH) {
      if (req.method === 'GET' || req.method === 'HEAD') return this.#subscribe(req, res, url, cors);
      if (req.method === 'POST') return this.#publish(req, res, url, cors);
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET to subscribe or POST to publish', {
        allow: 'GET, POST',
      });
    }
    if (path === SUBSCRIPTIONS_PATH || path.startsWith(`${SUBSCRIPTIONS_PATH}/`)) {
      if (!this.#options.subscriptionsApi)
        throw new HttpError(404, 'NOT_FOUND', 'the subscriptions API is disabled');
      return this.#subscriptions(req, res, url, cors);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET');
    if (path === '/healthz') {
      sendJson(res, this.#isDraining ? 503 : 200, {
        status: this.#isDraining ? 'draining' : 'ok',
        serverTime: new Date(this.#hub.clock.nowMs()).toISOString(),
        subscribers: this.#hub.subscribers.size,
      });
      return;
    }
    if (path === '/metrics') {
      const body = await this.#metrics.registry.metrics();
      res.writeHead(200, { 'content-type': this.#metrics.registry.contentType });
      res.end(body);
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(DEMO_PAGE);
      return;
    }
    throw new HttpError(404, 'NOT_FOUND', 'not found');
  }

  async #subscriberGrant(req: IncomingMessage, url: URL): Promise<Grant | undefined> {
    const presented = presentedToken(req.headers, url.searchParams);
    if (presented === undefined) {
      if (this.#options.allowAnonymous) return undefined;
      throw new AuthError('TOKEN_MISSING', 'a subscriber token is required');
    }
    return this.#authorizer.verifySubscriber(presented.token);
  }

  async #subscribe(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    cors: Record<string, string>,
  ): Promise<void> {
    if (this.#isDraining)
      throw new HttpError(503, 'SHUTTING_DOWN', 'the hub is shutting down', { 'retry-after': '1' });
    const parsed = parseSubscribeRequest(url.searchParams, req.headers, {
      maxSelectors: this.#options.maxSelectors,
      baseUrl: this.#options.hubUrl,
    });
    const grant = await this.#subscriberGrant(req, url);
    const release = this.limiter.acquire(req.socket.remoteAddress ?? 'unknown');
    const transport = parsed.transport;
    this.#metrics.connections.inc({ transport });
    let hasEnded = false;
    const onEnd = () => {
      if (hasEnded) return;
      hasEnded = true;
      release();
      this.#metrics.connections.dec({ transport });
    };
    const firstSelector = parsed.selectors[0];
    const context: SubscriptionContext = {
      hub: this.#hub,
      req,
      res,
      protocol: parsed.protocol,
      request: {
        selectors: parsed.selectors,
        canReceivePrivate: (event) => canReceive(grant, event),
        lastEventId: parsed.lastEventId,
        subscriberId: grant?.subject,
        payload: grant && firstSelector ? grant.payloadFor(firstSelector.raw) : undefined,
        expiresAtMs: grant?.expiresAtMs,
      },
      headers: { ...cors, 'cache-control': NO_STORE },
      onEnd,
    };
    try {
      if (transport === 'sse') {
        await serveSse(context, {
          heartbeatMs: this.#options.heartbeatMs,
          maxQueueBytes: this.#options.maxQueueBytes,
          shutdownRetryMs: this.#options.shutdownRetryMs,
        });
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
      onEnd();
      throw error;
    }
  }

  async #publish(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    cors: Record<string, string>,
  ): Promise<void> {
    const presented = presentedToken(req.headers, url.searchParams);
    if (presented === undefined) throw new AuthError('TOKEN_MISSING', 'a publisher token is required');
    if (presented.source === 'cookie') {
      const hubOrigin = this.#options.hubUrl ? new URL(this.#options.hubUrl).origin : undefined;
      if (
        !isOriginAllowedForCookie(req.headers.origin, hubOrigin, {
          allowedOrigins: this.#options.corsOrigins,
        })
      ) {
        throw new HttpError(403, 'ORIGIN_FORBIDDEN', 'publishing with a cookie requires an allowed Origin');
      }
    }
    const grant = await this.#authorizer.verifyPublisher(presented.token);
    const form = await readFormBody(req, this.#options.maxBodyBytes);
    const topics = form.getAll('topic');
    for (const topic of topics) {
      if (!grant.canPublish(topic)) {
        throw new AuthError('FORBIDDEN', 'the token does not allow publishing on every topic');
      }
    }
    const event = await this.#hub.publish({
      topics,
      data: form.get('data') ?? undefined,
      isPrivate: form.has('private'),
      id: form.get('id') ?? undefined,
      type: form.get('type') ?? undefined,
      retry: form.get('retry') ?? undefined,
    });
    sendText(res, 200, event.id, cors);
  }

  async #subscriptions(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    cors: Record<string, string>,
  ): Promise<void> {
    if (req.method !== 'GET') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET', { allow: 'GET' });
    const grant = await this.#subscriberGrant(req, url);
    // The topic to authorize is the requested path (draft-08 §Subscription API).
    const rawPath = (req.url ?? '').split('?')[0] ?? '';
    if (!grant?.canSubscribe(rawPath)) {
      throw new AuthError('FORBIDDEN', 'the token does not allow reading these subscriptions');
    }
    const doc = subscriptionsDocument(this.#hub, rawPath);
    if (doc === undefined) throw new HttpError(404, 'NOT_FOUND', 'no such active subscription');
    sendJson(res, 200, doc, { ...cors, 'cache-control': 'must-revalidate' }, 'application/ld+json');
  }
}

import {
  AuthError,
  canReceive,
  type Grant,
  type Hub,
  type MercureVersion,
  subscriptionVersion,
} from '../hub/index.js';
import { type Exchange, type SubscriptionContext, servePoll, serveSse } from '../transports/index.js';
import { readForm } from './body.js';
import { clientAddressOf } from './client-address.js';
import type { HttpContext } from './context.js';
import { HttpError } from './errors.js';
import type { ByteCounter, HubMetrics } from './metrics.js';
import {
  type ParsedSubscribeRequest,
  parseSubscribeRequest,
  unionOfParameters,
} from './subscribe-request.js';
import { presentedToken } from './token.js';

const NO_STORE = 'private, no-cache, no-store, must-revalidate, max-age=0';
/** Events in one poll answer at most; the client asks again from the answer's cursor. */
export const POLL_MAX_EVENTS = 1000;
/** A poll answer takes no more events once their data reaches this many characters (1 Mi). */
export const POLL_MAX_DATA_CHARS = 1024 * 1024;

/** An anonymous subscriber never receives private events: one function shared by all of them. */
const NO_PRIVATE = (): boolean => false;

/** What an open event stream's subscription holds instead of its request: see `releaseRequest`. */
const RELEASED_REQUEST: SubscriptionContext['request'] = Object.freeze({
  selectors: [],
  canReceivePrivate: NO_PRIVATE,
});
const RELEASED_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * One subscribe request, as the transports see it: a class, so `onEnd` is a method on the
 * prototype rather than a closure (and its context) per connection.
 */
class HttpSubscription implements SubscriptionContext {
  readonly hub: Hub;
  #exchange: Exchange | undefined;
  readonly version: MercureVersion;
  request: SubscriptionContext['request'];
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
    version: MercureVersion,
    request: SubscriptionContext['request'],
    ending: { release: () => void; metrics: HubMetrics; transport: string },
  ) {
    this.hub = hub;
    this.#exchange = exchange;
    this.version = version;
    this.request = request;
    this.#release = ending.release;
    this.#metrics = ending.metrics;
    this.#transport = ending.transport;
    this.sentBytes = ending.transport === 'sse' ? undefined : ending.metrics.sentBytesOf(ending.transport);
  }

  get exchange(): Exchange {
    if (this.#exchange === undefined) throw new Error('the subscription released its exchange');
    return this.#exchange;
  }

  /**
   * The event stream is up: the request went into the hub's subscriber (which keeps its own copy of
   * the fields) and the headers onto the wire, and the transport reads neither again, nor the
   * exchange (the stream holds what it needs of the connection). Dropping them frees the request's
   * and the response's objects for the life of the stream when the stream took its connection over.
   */
  releaseRequest(): void {
    this.request = RELEASED_REQUEST;
    this.headers = RELEASED_HEADERS;
    this.#exchange = undefined;
  }

  /** Releases the connection slot and the connections gauge, once. */
  onEnd(): void {
    if (this.#hasEnded) return;
    this.#hasEnded = true;
    this.#release();
    this.#metrics.connections.dec({ transport: this.#transport });
  }
}

/** The subscriber's grant from header, cookie or query; `undefined` for an allowed anonymous one. */
export async function subscriberGrant(
  context: HttpContext,
  exchange: Exchange,
  url: URL,
): Promise<Grant | undefined> {
  const presented = presentedToken(exchange.headers, url.searchParams);
  if (presented === undefined) {
    if (context.options.allowAnonymous) return undefined;
    throw new AuthError('TOKEN_MISSING', 'a subscriber token is required');
  }
  return context.authorizer.verifySubscriber(presented.token);
}

/**
 * The subscriber id the request asks the hub to use, or `undefined` for one the hub generates for
 * this connection: a 0.x subscription (`subscriptionVersion`) keeps the token's `sub`, as 0.x hubs
 * do; draft-08 wants "an identifier unique per connection" that "MUST also incorporate the
 * issuer", which `sub` alone is not: the hub's random id instead.
 */
function requestedSubscriberId(request: MercureVersion, grant: Grant | undefined): string | undefined {
  return subscriptionVersion(request, grant?.version) === 'legacy' ? grant?.subject : undefined;
}

/**
 * Room for every matcher a request may hold at its longest (1,024 characters, each up to 9 bytes
 * once percent-encoded as UTF-8): a QUERY body larger than that cannot be a valid request.
 */
const QUERY_BODY_BYTES_PER_MATCHER = 10 * 1024;

/** The largest QUERY body: the matchers' room, never more than a publish body may be. */
function queryBodyLimitBytes(options: HttpContext['options']): number {
  return Math.min(options.maxBodyBytes, options.maxSelectors * QUERY_BODY_BYTES_PER_MATCHER);
}

/**
 * `GET /.well-known/mercure` (or `QUERY`, its parameters in a form-encoded body, united with the
 * query's): an event stream, or a long or short poll (`transport=`).
 */
export async function serveSubscribe(
  context: HttpContext,
  exchange: Exchange,
  url: URL,
  cors: Record<string, string>,
): Promise<void> {
  if (context.isDraining)
    throw new HttpError(503, 'SHUTTING_DOWN', 'the hub is shutting down', { 'retry-after': '1' });
  const { options, metrics } = context;
  const parse = (parameters: URLSearchParams) =>
    parseSubscribeRequest(parameters, exchange.headers, {
      maxSelectors: options.maxSelectors,
      baseUrl: options.hubUrl,
    });
  let parsed: ParsedSubscribeRequest;
  let grant: Grant | undefined;
  if (exchange.method === 'QUERY') {
    // The token first, as for a publish: a body is read only for a client the hub accepts.
    grant = await subscriberGrant(context, exchange, url);
    const body = await readForm(exchange, queryBodyLimitBytes(options));
    parsed = parse(unionOfParameters(url.searchParams, body));
  } else {
    parsed = parse(url.searchParams);
    grant = await subscriberGrant(context, exchange, url);
  }
  const release = context.limiter.acquire(
    clientAddressOf(exchange.clientAddress, exchange.headers, context.trustedProxies),
  );
  const transport = parsed.transport;
  metrics.subscribeRequests.inc({ transport });
  metrics.connections.inc({ transport });
  const subscription = new HttpSubscription(
    context.hub,
    exchange,
    parsed.version,
    {
      selectors: parsed.selectors,
      canReceivePrivate: grant === undefined ? NO_PRIVATE : (event) => canReceive(grant, event),
      lastEventId: parsed.lastEventId,
      subscriberId: requestedSubscriberId(parsed.version, grant),
      // draft-08 §Payloads: per subscription, from that subscription's own matcher.
      payloadFor: grant && ((selector) => grant.payloadFor(selector.raw)),
      expiresAtMs: grant?.expiresAtMs,
    },
    { release, metrics, transport },
  );
  subscription.headers = { ...cors, 'cache-control': NO_STORE };
  try {
    if (transport === 'sse') {
      await serveSse(subscription, context.sseOptions);
      subscription.releaseRequest();
    } else {
      const requestedMs = parsed.timeoutMs ?? options.defaultLongPollTimeoutMs;
      await servePoll(subscription, {
        mode: transport,
        timeoutMs: Math.min(requestedMs, options.maxLongPollTimeoutMs),
        gatherMs: 5,
        maxEvents: POLL_MAX_EVENTS,
        maxDataChars: POLL_MAX_DATA_CHARS,
      });
    }
  } catch (error) {
    subscription.onEnd();
    throw error;
  }
}

import { AuthError, canReceive, type Grant, type Hub } from '../hub/index.js';
import {
  type Exchange,
  type ProtocolVersion,
  type SubscriptionContext,
  servePoll,
  serveSse,
} from '../transports/index.js';
import type { HttpContext } from './context.js';
import { HttpError } from './errors.js';
import type { ByteCounter, HubMetrics } from './metrics.js';
import { parseSubscribeRequest } from './subscribe-request.js';
import { presentedToken } from './token.js';

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

/** `GET /.well-known/mercure`: an event stream, or a long or short poll (`transport=`). */
export async function serveSubscribe(
  context: HttpContext,
  exchange: Exchange,
  url: URL,
  cors: Record<string, string>,
): Promise<void> {
  if (context.isDraining)
    throw new HttpError(503, 'SHUTTING_DOWN', 'the hub is shutting down', { 'retry-after': '1' });
  const { options, metrics } = context;
  const parsed = parseSubscribeRequest(url.searchParams, exchange.headers, {
    maxSelectors: options.maxSelectors,
    baseUrl: options.hubUrl,
  });
  const grant = await subscriberGrant(context, exchange, url);
  const release = context.limiter.acquire(exchange.clientAddress);
  const transport = parsed.transport;
  metrics.subscribeRequests.inc({ transport });
  metrics.connections.inc({ transport });
  const subscription = new HttpSubscription(
    context.hub,
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
    { release, metrics, transport },
  );
  subscription.headers = { ...cors, 'cache-control': NO_STORE };
  try {
    if (transport === 'sse') {
      await serveSse(subscription, context.sseOptions);
    } else {
      const requestedMs = parsed.timeoutMs ?? options.defaultLongPollTimeoutMs;
      await servePoll(subscription, {
        mode: transport,
        timeoutMs: Math.min(requestedMs, options.maxLongPollTimeoutMs),
        gatherMs: 5,
        maxEvents: 1000,
      });
    }
  } catch (error) {
    subscription.onEnd();
    throw error;
  }
}

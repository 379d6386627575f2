import { AuthError, type Hub, subscriptionDocument } from '../hub/index.js';
import { formatInstant } from '../time/index.js';
import type { Exchange } from '../transports/index.js';
import type { HttpContext } from './context.js';
import { HttpError } from './errors.js';
import { sendJson } from './send.js';
import { subscriberGrant } from './subscribe.js';

/**
 * Herald extension member: when the subscription started, RFC 3339 UTC with milliseconds. A
 * compact IRI (`herald:` is no term of the Mercure context), so a JSON-LD processor keeps it as
 * its own property instead of dropping it or mistaking it for a Mercure one.
 */
export const SUBSCRIBED_AT = 'herald:subscribedAt';

/**
 * The active subscriptions API (both protocol versions' paths): `/.well-known/mercure/subscriptions`,
 * `…/{topic}` (0.x) or `…/{matchType}/{match}` (draft-08), and one more segment for one subscriber.
 * `path` is the raw request path: ids percent-encode each variable once, and so does the client.
 * Returns `undefined` when a single subscription was asked for and is not active (404).
 */
export function subscriptionsDocument(hub: Hub, path: string): Record<string, unknown> | undefined {
  const documents: Record<string, unknown>[] = [];
  for (const subscriber of hub.subscribers) {
    if (subscriber.isClosed) continue;
    for (const selector of subscriber.selectors) {
      const doc = subscriptionDocument(selector, subscriber.id, true, subscriber.payloadOf(selector));
      doc[SUBSCRIBED_AT] = formatInstant(Math.floor(subscriber.subscribedAtMs));
      const id = doc['id'] as string;
      if (id === path) {
        return { ...doc, lastEventID: hub.lastEventId };
      }
      if (id.startsWith(`${path}/`)) {
        delete doc['@context'];
        documents.push(doc);
      }
    }
  }
  // A path with all its segments (0.x: 2, draft-08: 3 after the prefix) names one subscription.
  const segments = path.split('/').length - 4;
  const looksSingle =
    segments >= 3 || (segments === 2 && !/^(Exact|URLPattern)$/.test(path.split('/')[4] ?? ''));
  if (documents.length === 0 && looksSingle) return undefined;
  return {
    '@context': 'https://mercure.rocks/',
    id: path,
    type: 'Subscriptions',
    lastEventID: hub.lastEventId,
    subscriptions: documents,
  };
}

/**
 * `GET /.well-known/mercure/subscriptions[/…]`: the active subscriptions API, authorized like a
 * subscription to the requested path (draft-08 §Subscription API).
 */
export async function serveSubscriptions(
  context: HttpContext,
  exchange: Exchange,
  url: URL,
  cors: Record<string, string>,
): Promise<void> {
  if (exchange.method !== 'GET') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use GET', { allow: 'GET' });
  const grant = await subscriberGrant(context, exchange, url);
  const rawPath = exchange.target.split('?')[0] ?? '';
  if (!grant?.canSubscribe(rawPath)) {
    throw new AuthError('FORBIDDEN', 'the token does not allow reading these subscriptions');
  }
  const doc = subscriptionsDocument(context.hub, rawPath);
  if (doc === undefined) throw new HttpError(404, 'NOT_FOUND', 'no such active subscription');
  sendJson(exchange, 200, doc, { ...cors, 'cache-control': 'must-revalidate' }, 'application/ld+json');
}

import {
  AuthError,
  type DirectoryEntry,
  type MercureVersion,
  type SubscriberDirectory,
  subscriptionDocument,
} from '../hub/index.js';
import type { Exchange } from '../transports/index.js';
import type { HttpContext } from './context.js';
import { mercureLink } from './discovery.js';
import { HttpError } from './errors.js';
import { HUB_PATH } from './options.js';
import { sendJson } from './send.js';
import { subscriberGrant } from './subscribe.js';

/*
 * The shape of an answer follows the version of the request's token (`Grant.version`): the
 * collection URL is the same in both versions and a 0.x topic may be spelled `exact`, so the path
 * cannot tell; the token can, and the API always needs one.
 * - `draft-08`: `application/json`, collections `{ id, type: "subscriptions", subscriptions }`, a
 *   single subscription as its event document, the cursor only in the `Link` header.
 * - `legacy` (0.x): the 0.x text's JSON-LD, `application/ld+json`, with `lastEventID` in the body
 *   (the demo's chat reads it there).
 */

/**
 * The active subscriptions API (both protocol versions' paths): `/.well-known/mercure/subscriptions`,
 * `…/{topic}` (0.x) or `…/{match_type}/{match}` (draft-08), and one more segment for one subscriber.
 * `path` is the raw request path: ids percent-encode each variable once, and so does the client.
 * `lastEventId` is the hub's newest event id, read once for the body and the `Link` header alike.
 * Returns `undefined` when a single subscription was asked for and is not active (404).
 *
 * The subscriptions are the directory's: every hub process sharing it (Redis), else this one. A
 * collection lists at most the directory's cap of subscribers (`SubscriberDirectory.list`); one
 * subscription is looked up by its subscriber id, whatever the cap.
 */
export async function subscriptionsDocument(
  directory: SubscriberDirectory,
  path: string,
  { version, lastEventId }: { version: MercureVersion; lastEventId: string },
): Promise<Record<string, unknown> | undefined> {
  const isLegacy = version === 'legacy';
  // A path with all its segments (0.x: 2, draft-08: 3 after the prefix) names one subscription.
  const segments = path.split('/').length - 4;
  const looksSingle =
    segments >= 3 || (segments === 2 && !/^(exact|urlpattern)$/.test(path.split('/')[4] ?? ''));
  if (looksSingle) {
    const subscriberId = decodedSegment(path.slice(path.lastIndexOf('/') + 1));
    const entries = subscriberId === undefined ? [] : await directory.find(subscriberId);
    for (const doc of documentsOf(entries)) {
      if (doc['id'] === path) return isLegacy ? { ...doc, lastEventID: lastEventId } : doc;
    }
  }
  const documents: Record<string, unknown>[] = [];
  for (const doc of documentsOf(await directory.list())) {
    const id = doc['id'] as string;
    if (id === path) return isLegacy ? { ...doc, lastEventID: lastEventId } : doc;
    if (id.startsWith(`${path}/`)) {
      if (isLegacy) delete doc['@context'];
      documents.push(doc);
    }
  }
  if (documents.length === 0 && looksSingle) return undefined;
  if (!isLegacy) return { id: path, type: 'subscriptions', subscriptions: documents };
  return {
    '@context': 'https://mercure.rocks/',
    id: path,
    type: 'Subscriptions',
    lastEventID: lastEventId,
    subscriptions: documents,
  };
}

/** The API documents of the entries' subscriptions, one per selector. */
function* documentsOf(entries: readonly DirectoryEntry[]): Generator<Record<string, unknown>> {
  for (const entry of entries) {
    for (const subscription of entry.subscriptions) {
      yield subscriptionDocument(
        subscription,
        {
          subscriberId: entry.subscriberId,
          isActive: true,
          payload: subscription.payload,
          subscribedAtMs: entry.subscribedAtMs,
        },
        'api',
      );
    }
  }
}

/** A percent-encoded path segment decoded, or `undefined` when it is not valid percent-encoding. */
function decodedSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * `GET /.well-known/mercure/subscriptions[/…]`: the active subscriptions API, authorized like a
 * subscription to the requested path (draft-08 §Subscription API). Every answer, 0.x included,
 * carries the cursor on the hub's link: "every endpoint MUST carry the reconciliation cursor as a
 * `last-event-id` target attribute on the `rel="mercure"` Link header", with the `type` and
 * `content-type` of the stream of subscription events (a SHOULD).
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
  const lastEventId = context.hub.lastEventId;
  const link = mercureLink(context.options.hubUrl ?? HUB_PATH, {
    lastEventId,
    type: 'mercure',
    contentType: 'application/json',
  });
  const { version } = grant;
  const doc = await subscriptionsDocument(context.hub.directory, rawPath, { version, lastEventId });
  if (doc === undefined) throw new HttpError(404, 'NOT_FOUND', 'no such active subscription', { link });
  const headers = { ...cors, 'cache-control': 'must-revalidate', link };
  sendJson(exchange, 200, doc, headers, version === 'legacy' ? 'application/ld+json' : 'application/json');
}

import { formatInstant } from '../time/index.js';
import type { Selector, SelectorKind } from './selector.js';
import { requestVersion } from './version.js';

export const SUBSCRIPTIONS_PATH = '/.well-known/mercure/subscriptions';

/**
 * Herald extension member: when the subscription started, RFC 3339 UTC with milliseconds. A
 * compact IRI (`herald:` is no term of the Mercure context), so a JSON-LD processor keeps it as
 * its own property instead of dropping it or mistaking it for a Mercure one.
 */
export const SUBSCRIBED_AT = 'herald:subscribedAt';

/**
 * The SSE `event` of draft-08 subscription events, reserved to the hub: "The hub MUST dispatch
 * subscription events with the update `type` field … set to the reserved value `mercure`".
 */
export const SUBSCRIPTION_EVENT_TYPE = 'mercure';

/**
 * The draft-08 matcher type name of a selector kind, "in its canonical case" (`exact`,
 * `urlpattern`: URL paths are case-sensitive), or `undefined` for 0.x `topic=` selectors.
 */
function matchTypeOf(kind: SelectorKind): 'exact' | 'urlpattern' | undefined {
  if (kind === 'template') return undefined;
  return kind === 'urlpattern' ? 'urlpattern' : 'exact';
}

/** Whether the subscription of this selector speaks 0.x (`topic=`): its events keep the 0.x shape. */
export function isLegacySubscription(selector: Pick<Selector, 'kind'>): boolean {
  return requestVersion([selector.kind]) === 'legacy';
}

/**
 * The topic of a subscription's events and its URL in the subscriptions API. 0.x:
 * `/.well-known/mercure/subscriptions/{topic}/{subscriber}`; draft-08:
 * `/.well-known/mercure/subscriptions/{match_type}/{match}/{subscriber}`. Each variable is
 * percent-encoded once, as a whole (RFC 6570 simple expansion).
 */
export function subscriptionTopic(selector: Pick<Selector, 'kind' | 'raw'>, subscriberId: string): string {
  const matchType = matchTypeOf(selector.kind);
  const prefix = matchType === undefined ? SUBSCRIPTIONS_PATH : `${SUBSCRIPTIONS_PATH}/${matchType}`;
  return `${prefix}/${encodeURIComponent(selector.raw)}/${encodeURIComponent(subscriberId)}`;
}

/** What a subscription document says about one subscription of one subscriber. */
export interface SubscriptionFacts {
  subscriberId: string;
  isActive: boolean;
  /** The token's payload for this subscription's matcher; omitted when `undefined`. */
  payload: unknown;
  subscribedAtMs: number;
}

/**
 * The document describing one subscription, in the shape of its protocol version.
 *
 * draft-08: `{ id, type: "subscription", match_type, match, subscriber, active, payload? }` plus
 * `herald:subscribedAt` ("The document MAY contain other properties"), the same for the event and
 * the subscriptions API, whose single-subscription body is "the subscription event document …
 * without modification".
 *
 * 0.x: the JSON-LD document of the 0.x text, unchanged; the API (`purpose: 'api'`) adds
 * `herald:subscribedAt`, the event does not.
 */
export function subscriptionDocument(
  selector: Pick<Selector, 'kind' | 'raw'>,
  facts: SubscriptionFacts,
  purpose: 'event' | 'api',
): Record<string, unknown> {
  const matchType = matchTypeOf(selector.kind);
  const id = subscriptionTopic(selector, facts.subscriberId);
  const doc: Record<string, unknown> =
    matchType === undefined
      ? { '@context': 'https://mercure.rocks/', id, type: 'Subscription', topic: selector.raw }
      : { id, type: 'subscription', match_type: matchType, match: selector.raw };
  doc['subscriber'] = facts.subscriberId;
  doc['active'] = facts.isActive;
  if (facts.payload !== undefined) doc['payload'] = facts.payload;
  if (matchType !== undefined || purpose === 'api') {
    doc[SUBSCRIBED_AT] = formatInstant(Math.floor(facts.subscribedAtMs));
  }
  return doc;
}

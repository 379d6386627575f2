import type { Selector, SelectorKind } from './selector.js';

export const SUBSCRIPTIONS_PATH = '/.well-known/mercure/subscriptions';

/** The draft-08 matcher type name of a selector kind, or `undefined` for 0.x `topic=` selectors. */
function matchTypeOf(kind: SelectorKind): 'Exact' | 'URLPattern' | undefined {
  if (kind === 'template') return undefined;
  return kind === 'urlpattern' ? 'URLPattern' : 'Exact';
}

/**
 * The topic of a subscription's events and its URL in the subscriptions API. 0.x:
 * `/.well-known/mercure/subscriptions/{topic}/{subscriber}`; draft-08:
 * `/.well-known/mercure/subscriptions/{matchType}/{match}/{subscriber}`. Each variable is
 * percent-encoded once, as a whole (RFC 6570 simple expansion).
 */
export function subscriptionTopic(selector: Pick<Selector, 'kind' | 'raw'>, subscriberId: string): string {
  const matchType = matchTypeOf(selector.kind);
  const prefix = matchType === undefined ? SUBSCRIPTIONS_PATH : `${SUBSCRIPTIONS_PATH}/${matchType}`;
  return `${prefix}/${encodeURIComponent(selector.raw)}/${encodeURIComponent(subscriberId)}`;
}

/** The JSON-LD document describing one subscription, in the shape of its protocol version. */
export function subscriptionDocument(
  selector: Pick<Selector, 'kind' | 'raw'>,
  subscriberId: string,
  isActive: boolean,
  payload: unknown,
): Record<string, unknown> {
  const matchType = matchTypeOf(selector.kind);
  const doc: Record<string, unknown> = {
    '@context': 'https://mercure.rocks/',
    id: subscriptionTopic(selector, subscriberId),
    type: 'Subscription',
  };
  if (matchType === undefined) doc['topic'] = selector.raw;
  else {
    doc['matchType'] = matchType;
    doc['match'] = selector.raw;
  }
  doc['subscriber'] = subscriberId;
  doc['active'] = isActive;
  if (payload !== undefined) doc['payload'] = payload;
  return doc;
}

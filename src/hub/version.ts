import type { SelectorKind } from './selector.js';

/**
 * The two Mercure versions Herald speaks at once, and the one place that decides which one a token,
 * a subscribe request or a subscription follows. A rule that differs between versions branches on
 * a `MercureVersion` these functions gave, never on its own reading of a request.
 *
 * - `legacy`: Mercure 0.x (draft-07): `topic=` selectors, tokens with a `mercure` claim.
 * - `draft-08`: the current draft: `match…` selectors, `at+jwt` access tokens with
 *   `authorization_details`.
 *
 * Where the two meet (a 0.x request presenting an at+jwt token, or the reverse) the current text
 * wins, except for what a 0.x client reads back (see `subscriptionVersion`).
 */
export type MercureVersion = 'legacy' | 'draft-08';

/** RFC 9068 §2.1: the JOSE `typ` of an access token, with or without the `application/` prefix. */
const ACCESS_TOKEN_TYPE = 'at+jwt';

/**
 * A token's version, from its JOSE header `typ`: an access token (`at+jwt`) is draft-08 when the hub
 * accepts draft-08 tokens (it has a resource identifier), anything else 0.x when it accepts those;
 * `undefined` when the hub accepts no token of that kind.
 */
export function tokenVersion(typ: unknown, accepted: readonly MercureVersion[]): MercureVersion | undefined {
  if (isAccessTokenType(typ) && accepted.includes('draft-08')) return 'draft-08';
  return accepted.includes('legacy') ? 'legacy' : undefined;
}

/** Whether a JOSE `typ` names an RFC 9068 access token (compared case-insensitively, as media types). */
export function isAccessTokenType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const lower = typ.toLowerCase();
  return (
    (lower.startsWith('application/') ? lower.slice('application/'.length) : lower) === ACCESS_TOKEN_TYPE
  );
}

/**
 * A subscribe request's version, from its selectors: draft-08 as soon as one is a `match…`
 * parameter (exact or URL pattern); 0.x when all are `topic=` (URI templates). It picks the
 * response's cursor header and the query name of the last event id.
 */
export function requestVersion(kinds: Iterable<SelectorKind>): MercureVersion {
  for (const kind of kinds) if (kind !== 'template') return 'draft-08';
  return 'legacy';
}

/**
 * The version a subscription's identity follows: 0.x only when both the request and the token (if
 * any) are 0.x. Then the subscriber id is the token's `sub`, as 0.x applications read it back from
 * subscription events; otherwise the current text's random id per connection.
 */
export function subscriptionVersion(
  request: MercureVersion,
  token: MercureVersion | undefined,
): MercureVersion {
  return request === 'legacy' && token !== 'draft-08' ? 'legacy' : 'draft-08';
}

import { AuthError, SelectorError } from './errors.js';
import {
  type CompileSelectorOptions,
  compileSelector,
  type Selector,
  selectorKindForMatchType,
} from './selector.js';
import type { MercureVersion } from './version.js';

/**
 * What a verified token allows, whatever the Mercure version it came in:
 * - 0.x (draft-07): claim `mercure: { publish?: string[], subscribe?: string[], payload? }`; the
 *   arrays hold topic selectors (URI templates, strings, `*`).
 * - draft-08: `authorization_details` (RFC 9396) entries of type `MERCURE_DETAIL_TYPE` with
 *   `actions` (`publish`/`subscribe`; others grant nothing), `topics` (`{ match, match_type? }`)
 *   and an optional `payload`.
 */
/**
 * The type of a Mercure authorization detail (draft-08 §Authorization Details), compared byte by
 * byte: a detail of any other type, the earlier revision's `mercure` included, grants nothing.
 */
export const MERCURE_DETAIL_TYPE = 'https://mercure.rocks/authorization-detail';

export interface Grant {
  /** The token's version (`tokenVersion`): which claims granted this. */
  readonly version: MercureVersion;
  /** `sub`: identifies the subscriber in subscription events. */
  readonly subject: string | undefined;
  /** `exp` in ms since the epoch: a subscriber's connection must close by then. */
  readonly expiresAtMs: number | undefined;
  readonly publishSelectors: readonly Selector[];
  /** Topics whose private updates the holder may read. */
  readonly subscribeSelectors: readonly Selector[];
  /** 0.x `mercure.payload` (draft-08: see `payloadFor`). */
  readonly payload: unknown;
  /** May the holder publish an update on `topic`? (0.x: every topic of an update must pass.) */
  canPublish(topic: string): boolean;
  /** May the holder read private updates of `topic` (or the subscriptions API at that path)? */
  canSubscribe(topic: string): boolean;
  /**
   * The payload shown for a subscription whose own matcher string is `matcher` (draft-08
   * §Payloads: the first `subscribe` detail whose topics match it; 0.x: `mercure.payload`).
   */
  payloadFor(matcher: string): unknown;
}

/** An event as far as authorization is concerned. */
export interface AuthorizableEvent {
  readonly topics: readonly string[];
  readonly isPrivate: boolean;
}

/**
 * May a subscriber holding `grant` (none when it presented no token) receive `event`, given that
 * its own selectors already route the event to it? Public: yes. Private: only when the token's
 * subscribe selectors match one of the event's topics (draft-08 has one topic per update; 0.x
 * checks canonical and alternate topics alike). Routing selectors never widen this.
 */
export function canReceive(grant: Grant | undefined, event: AuthorizableEvent): boolean {
  if (!event.isPrivate) return true;
  if (grant === undefined) return false;
  for (const topic of event.topics) if (grant.canSubscribe(topic)) return true;
  return false;
}

/** Throws `TOKEN_MISSING` without a grant, `FORBIDDEN` unless every topic may be published. */
export function assertCanPublish(grant: Grant | undefined, topics: readonly string[]): void {
  if (grant === undefined) throw new AuthError('TOKEN_MISSING', 'publishing requires an access token');
  for (const topic of topics) {
    if (!grant.canPublish(topic))
      throw new AuthError('FORBIDDEN', 'the token does not allow publishing this topic');
  }
}

export interface GrantLimits {
  /** Max Mercure authorization details per token (details of other types are not counted). */
  maxDetails: number;
  /** Max selectors per `topics` array (draft-08) or per `publish`/`subscribe` array (0.x). */
  maxSelectors: number;
}

export const DEFAULT_GRANT_LIMITS: Readonly<GrantLimits> = { maxDetails: 64, maxSelectors: 256 };

export interface TokenClaims {
  sub?: unknown;
  exp?: unknown;
  mercure?: unknown;
  authorization_details?: unknown;
}

interface GrantParts {
  publish: Selector[];
  subscribe: Selector[];
  payloadFor: (matcher: string) => unknown;
  payload: unknown;
}

/**
 * Builds the grant of verified claims. Any malformed part rejects the whole token (draft-08
 * forbids partial acceptance: it would silently change what the token allows): `TOKEN_INVALID`.
 */
export function grantFromClaims(
  version: MercureVersion,
  claims: TokenClaims,
  limits: GrantLimits = DEFAULT_GRANT_LIMITS,
  selectorOptions: CompileSelectorOptions = {},
): Grant {
  let parts: GrantParts;
  try {
    parts =
      version === 'draft-08'
        ? fromAuthorizationDetails(claims.authorization_details, limits, selectorOptions)
        : fromMercureClaim(claims.mercure, limits, selectorOptions);
  } catch (error) {
    if (error instanceof SelectorError || error instanceof ClaimError) {
      throw new AuthError('TOKEN_INVALID', `invalid token claims: ${error.message}`);
    }
    throw error;
  }
  const { publish, subscribe } = parts;
  return {
    version,
    subject: typeof claims.sub === 'string' ? claims.sub : undefined,
    expiresAtMs: typeof claims.exp === 'number' ? claims.exp * 1000 : undefined,
    publishSelectors: publish,
    subscribeSelectors: subscribe,
    payload: parts.payload,
    canPublish: (topic) => anyMatches(publish, topic),
    canSubscribe: (topic) => anyMatches(subscribe, topic),
    payloadFor: parts.payloadFor,
  };
}

class ClaimError extends Error {}

function anyMatches(selectors: readonly Selector[], topic: string): boolean {
  for (const selector of selectors) if (selector.matches(topic)) return true;
  return false;
}

function fromMercureClaim(claim: unknown, limits: GrantLimits, options: CompileSelectorOptions): GrantParts {
  if (claim === undefined)
    return { publish: [], subscribe: [], payload: undefined, payloadFor: () => undefined };
  if (!isObject(claim)) throw new ClaimError('"mercure" is not an object');
  const publish = templateSelectors(claim.publish, 'mercure.publish', limits, options);
  const subscribe = templateSelectors(claim.subscribe, 'mercure.subscribe', limits, options);
  const payload = claim.payload;
  return { publish, subscribe, payload, payloadFor: () => payload };
}

function templateSelectors(
  value: unknown,
  field: string,
  limits: GrantLimits,
  options: CompileSelectorOptions,
): Selector[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ClaimError(`"${field}" is not an array of strings`);
  }
  if (value.length > limits.maxSelectors) throw new ClaimError(`"${field}" has too many selectors`);
  return (value as string[]).map((raw) => compileSelector('template', raw, { ...options, field }));
}

interface MercureDetail {
  actions: Set<string>;
  topics: Selector[];
  payload: unknown;
}

function fromAuthorizationDetails(
  value: unknown,
  limits: GrantLimits,
  options: CompileSelectorOptions,
): GrantParts {
  if (value === undefined)
    return { publish: [], subscribe: [], payload: undefined, payloadFor: () => undefined };
  if (!Array.isArray(value)) throw new ClaimError('"authorization_details" is not an array');
  const details: MercureDetail[] = [];
  for (const entry of value) {
    if (!isObject(entry) || typeof entry.type !== 'string') {
      throw new ClaimError('an authorization detail is not an object with a type');
    }
    // RFC 9396 lets one token carry details of other types; they grant nothing here. `!==` on
    // strings compares UTF-16 code units: byte by byte, with no case or Unicode folding.
    if (entry.type !== MERCURE_DETAIL_TYPE) continue;
    if (details.length === limits.maxDetails) throw new ClaimError('too many Mercure authorization details');
    details.push(parseDetail(entry, limits, options));
  }
  const publish = details.filter((d) => d.actions.has('publish')).flatMap((d) => d.topics);
  const subscribeDetails = details.filter((d) => d.actions.has('subscribe'));
  return {
    publish,
    subscribe: subscribeDetails.flatMap((d) => d.topics),
    payload: undefined,
    payloadFor: (matcher) => subscribeDetails.find((d) => anyMatches(d.topics, matcher))?.payload,
  };
}

function parseDetail(
  entry: Record<string, unknown>,
  limits: GrantLimits,
  options: CompileSelectorOptions,
): MercureDetail {
  const { actions, topics, payload } = entry;
  // "Hubs MUST ignore action values they do not recognize … A non-string entry in actions remains a
  // validation failure": unknown strings stay in the set, where nothing ever asks for them.
  if (
    !Array.isArray(actions) ||
    actions.length === 0 ||
    actions.some((action) => typeof action !== 'string')
  ) {
    throw new ClaimError('"actions" must be a non-empty array of strings');
  }
  if (!Array.isArray(topics) || topics.length === 0)
    throw new ClaimError('"topics" must be a non-empty array');
  if (topics.length > limits.maxSelectors) throw new ClaimError('"topics" has too many matchers');
  if (payload !== undefined && !isObject(payload)) throw new ClaimError('"payload" must be an object');
  return {
    actions: new Set(actions as string[]),
    topics: topics.map((matcher) => topicMatcher(matcher, options)),
    payload,
  };
}

function topicMatcher(matcher: unknown, options: CompileSelectorOptions): Selector {
  const field = 'authorization_details';
  if (!isObject(matcher) || typeof matcher.match !== 'string') {
    throw new ClaimError('a topic matcher must be an object with a string "match"');
  }
  // The earlier revision's `matchType` key: read as an unknown member, `{ match: pattern,
  // matchType: 'URLPattern' }` would silently become an exact grant of the pattern's text. The
  // spec's rule for matchers the hub cannot interpret is to fail loudly, so the token is rejected.
  if ('matchType' in matcher) throw new ClaimError('a topic matcher names its type with "match_type"');
  // `*` is the wildcard whatever the matcher type (draft-08 §Matcher Types): `compileSelector`
  // recognises it before looking at the kind; an unsupported `match_type` still invalidates the token.
  const kind = selectorKindForMatchType(matcher.match_type, field);
  return compileSelector(kind, matcher.match, { ...options, field });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

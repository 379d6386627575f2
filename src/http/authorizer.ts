import type { Clock } from '../clock/index.js';
import {
  AuthError,
  createJwtVerifier,
  type Grant,
  type JwtVerifier,
  type KeySpec,
  loadKey,
  type MercureVersion,
  type RemoteJwksOptions,
  remoteJwks,
  type TrustedIssuer,
} from '../hub/index.js';

/** Verifies tokens for each role. Rejects with `AuthError` (401 codes). */
export interface Authorizer {
  verifyPublisher(token: string): Promise<Grant>;
  verifySubscriber(token: string): Promise<Grant>;
}

export interface JwtOptions {
  /** Verifies both roles' tokens unless a role-specific key is given. */
  key?: KeySpec | undefined;
  publisherKey?: KeySpec | undefined;
  subscriberKey?: KeySpec | undefined;
  /**
   * A JWK Set URL trusted for both roles unless a role-specific URL is given. It adds to the static
   * keys of the same role (tried first), it does not replace them. jose's `createRemoteJWKSet`
   * caches the set, refetches it when a token names an unknown `kid` (at most once per cooldown)
   * and when older than `cacheMaxAgeMs`: key rotation needs no restart.
   */
  jwksUrl?: string | URL | undefined;
  publisherJwksUrl?: string | URL | undefined;
  subscriberJwksUrl?: string | URL | undefined;
  jwks?: JwksFetchOptions | undefined;
  /** Allowed algorithms. Default `HS256` plus the asymmetric ones the spec recommends. */
  algorithms?: string[] | undefined;
  /** The hub's resource identifier (draft-08 `aud`); without it only 0.x tokens are accepted. */
  resource?: string | undefined;
  /**
   * The issuer identifier the keys above belong to: draft-08 tokens they verify must carry it as
   * `iss` (required with `resource` unless `issuers` names one). 0.x tokens carry no `iss`: the same
   * keys verify them without that check.
   */
  issuer?: string | undefined;
  /** More trusted issuers of draft-08 tokens, each bound to its own keys (only those verify it). */
  issuers?: IssuerOptions[] | undefined;
  /** Base URL of relative URL patterns in tokens. */
  baseUrl?: string | undefined;
  /**
   * Refuses tokens without an `exp` claim (401). Off by default: Mercure 0.x allows tokens that
   * never expire, and publishers in the field mint them.
   */
  requireExp?: boolean | undefined;
  clock?: Clock | undefined;
}

/** How remote JWK Sets are fetched and cached (jose's `createRemoteJWKSet` options). */
export type JwksFetchOptions = RemoteJwksOptions;

/** One trusted issuer of draft-08 tokens and its keys, per role as for the hub's own keys. */
export interface IssuerOptions {
  issuer: string;
  key?: KeySpec | undefined;
  publisherKey?: KeySpec | undefined;
  subscriberKey?: KeySpec | undefined;
}

/**
 * An authorizer whose verification can be replaced while the hub runs (a configuration reload
 * with new keys): whoever holds it (the router, an extension wrapping it) verifies with the
 * current one. A token verified before the swap keeps what it opened; the next request is checked
 * with the new keys only (the replaced verifiers' grant caches go with them).
 */
export class ReplaceableAuthorizer implements Authorizer {
  #current: Authorizer;

  constructor(initial: Authorizer) {
    this.#current = initial;
  }

  replace(next: Authorizer): void {
    this.#current = next;
  }

  // Arrow functions: a holder may pass them on unbound.
  readonly verifyPublisher = (token: string): Promise<Grant> => this.#current.verifyPublisher(token);
  readonly verifySubscriber = (token: string): Promise<Grant> => this.#current.verifySubscriber(token);
}

const DEFAULT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'EdDSA', 'ES256', 'ES384', 'RS256', 'PS256'];

/**
 * A verifier per role, from the hub's configuration; a role without a key rejects every token.
 * Throws when draft-08 is on (`resource`) with no trusted issuer: no draft-08 token could pass.
 */
export function createAuthorizer(options: JwtOptions): Authorizer {
  const versions: MercureVersion[] = options.resource ? ['draft-08', 'legacy'] : ['legacy'];
  const issuers = options.issuers ?? [];
  if (options.resource && options.issuer === undefined && issuers.length === 0) {
    throw new Error(
      'draft-08 tokens (enabled by `resource`) must carry a trusted `iss`: set `issuer` to the issuer identifier the keys belong to',
    );
  }
  const remoteSets = new Map<string, ReturnType<typeof remoteJwks>>();
  const remoteFor = (url: string | URL | undefined): ReturnType<typeof remoteJwks> | undefined => {
    if (url === undefined) return undefined;
    const href = new URL(url).href;
    let set = remoteSets.get(href);
    if (set === undefined) {
      // One set per URL: both roles on the same URL share its cache and its cooldown.
      set = remoteJwks(href, options.jwks);
      remoteSets.set(href, set);
    }
    return set;
  };
  const build = (role: 'publisherKey' | 'subscriberKey'): JwtVerifier | undefined => {
    const spec = options[role] ?? options.key;
    const remoteKeys = remoteFor(
      role === 'publisherKey'
        ? (options.publisherJwksUrl ?? options.jwksUrl)
        : (options.subscriberJwksUrl ?? options.jwksUrl),
    );
    const trusted: TrustedIssuer[] = [];
    for (const entry of issuers) {
      const entrySpec = entry[role] ?? entry.key;
      if (entrySpec !== undefined) trusted.push({ issuer: entry.issuer, keys: loadKey(entrySpec) });
    }
    if (spec === undefined && remoteKeys === undefined && trusted.length === 0) return undefined;
    return createJwtVerifier({
      keys: spec === undefined ? [] : loadKey(spec),
      ...(remoteKeys === undefined ? {} : { remoteKeys }),
      algorithms: options.algorithms ?? DEFAULT_ALGORITHMS,
      versions,
      resource: options.resource,
      // Without a key of its own, the top-level issuer has nothing bound to it for this role.
      issuer: spec === undefined && remoteKeys === undefined ? undefined : options.issuer,
      issuers: trusted,
      selectorOptions: { baseUrl: options.baseUrl },
      requireExp: options.requireExp === true,
      clock: options.clock,
    });
  };
  const publisher = build('publisherKey');
  const subscriber = build('subscriberKey');
  const verifyWith = async (
    verifier: JwtVerifier | undefined,
    token: string,
    role: string,
  ): Promise<Grant> => {
    if (verifier === undefined) {
      throw new AuthError('TOKEN_INVALID', `no ${role} key is configured`);
    }
    return verifier.verify(token);
  };
  return {
    verifyPublisher: (token) => verifyWith(publisher, token, 'publisher'),
    verifySubscriber: (token) => verifyWith(subscriber, token, 'subscriber'),
  };
}

import type { Clock } from '../clock/index.js';
import {
  AuthError,
  createJwtVerifier,
  type Grant,
  type JwtVerifier,
  type KeySpec,
  loadKey,
  type TokenProtocol,
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
  /** Allowed algorithms. Default `HS256` plus the asymmetric ones the spec recommends. */
  algorithms?: string[] | undefined;
  /** The hub's resource identifier (draft-08 `aud`); without it only 0.x tokens are accepted. */
  resource?: string | undefined;
  issuer?: string | undefined;
  /** Base URL of relative URL patterns in tokens. */
  baseUrl?: string | undefined;
  clock?: Clock | undefined;
}

const DEFAULT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'EdDSA', 'ES256', 'ES384', 'RS256', 'PS256'];

/** A verifier per role, from the hub's configuration; a role without a key rejects every token. */
export function createAuthorizer(options: JwtOptions): Authorizer {
  const protocols: TokenProtocol[] = options.resource ? ['draft-08', 'draft-07'] : ['draft-07'];
  const build = (spec: KeySpec | undefined): JwtVerifier | undefined =>
    spec === undefined
      ? undefined
      : createJwtVerifier({
          keys: loadKey(spec),
          algorithms: options.algorithms ?? DEFAULT_ALGORITHMS,
          protocols,
          resource: options.resource,
          issuer: options.issuer,
          selectorOptions: { baseUrl: options.baseUrl },
          clock: options.clock,
        });
  const publisher = build(options.publisherKey ?? options.key);
  const subscriber = build(options.subscriberKey ?? options.key);
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

import type { KeyObject } from 'node:crypto';
import {
  decodeJwt,
  decodeProtectedHeader,
  importJWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { type Clock, systemClock } from '../clock/index.js';
import { DEFAULT_GRANT_LIMITS, type Grant, type GrantLimits, grantFromClaims } from './authorization.js';
import { AuthError } from './errors.js';
import type { VerificationKey } from './jwt-keys.js';
import { Lru } from './lru.js';
import type { CompileSelectorOptions } from './selector.js';
import { isAccessTokenType, type MercureVersion, tokenVersion } from './version.js';

/**
 * Verifies access tokens (JWS compact) for one role — publisher or subscriber, which should use
 * different keys — and turns them into a `Grant`.
 *
 * Which version a token speaks is read from its header (`tokenVersion`, src/hub/version.ts): `typ: at+jwt` is a draft-08 access token
 * (RFC 9068: `iss` must name a trusted issuer and the signature must come from that issuer's keys,
 * `aud` must hold the hub's resource identifier, `exp` is required, rights come from
 * `authorization_details`); anything else is a 0.x token (rights from the `mercure` claim, verified
 * by `keys`, no `iss` check since 0.x tokens carry none, `exp` and `aud` checked only when
 * present). Accept only `['draft-08']` to refuse 0.x tokens, which also refuses tokens issued for
 * other purposes that happen to share the signing key.
 */
export interface JwtVerifierOptions {
  /** The keys of 0.x tokens, and of the draft-08 tokens of `issuer`. */
  keys: readonly VerificationKey[];
  /**
   * A remote JWK Set (jose's `createRemoteJWKSet`), trusted like `keys` and tried after them: it
   * caches the set, refetches it on an unknown `kid` (at most once per cooldown) and when stale.
   */
  remoteKeys?: JWTVerifyGetKey;
  /** Allowlist of JWS algorithms, e.g. `['EdDSA', 'ES256', 'RS256']`. `none` is never accepted. */
  algorithms: readonly string[];
  /** Accepted token formats. Default: both. */
  versions?: readonly MercureVersion[];
  /** The hub's resource identifier: the required `aud` of draft-08 tokens. */
  resource?: string;
  /**
   * The issuer identifier `keys` belong to (an authorization server's, or the stable one of a
   * self-issuing publisher): the `iss` of the draft-08 tokens they verify. Not checked on 0.x tokens.
   */
  issuer?: string;
  /** More trusted issuers of draft-08 tokens, each verified with its own keys only. */
  issuers?: readonly TrustedIssuer[];
  /**
   * Refuse 0.x tokens without `exp` (draft-08 access tokens always need one, RFC 9068). Default
   * false, as 0.x allows such a token; it is then valid until its key is rotated out.
   */
  requireExp?: boolean;
  /** Leeway for `exp`/`nbf`, in seconds. Default 0. */
  clockToleranceSec?: number;
  /** Tokens longer than this are rejected before any parsing. Default 16 KiB. */
  maxTokenLengthChars?: number;
  grantLimits?: Partial<GrantLimits>;
  /**
   * Verified grants kept by token text (least recently used dropped first), so a client that sends
   * the same token again (a publisher posting event after event) skips the signature check. An
   * entry lives until the token's `exp`, never beyond, and at most `grantCacheTtlMs` for a token
   * without `exp`. Default 1,000 entries; 0 disables.
   */
  grantCacheSize?: number;
  /** Lifetime of a cached grant whose token has no `exp`. Default 30 s. */
  grantCacheTtlMs?: number;
  /** Base URL and limits for the selectors in the token. */
  selectorOptions?: CompileSelectorOptions;
  clock?: Clock;
}

/** An issuer of draft-08 tokens and the keys bound to it (draft-08 §Token Validation). */
export interface TrustedIssuer {
  /** Its identifier, compared exactly with a token's `iss`. */
  issuer: string;
  keys: readonly VerificationKey[];
}

export interface JwtVerifier {
  /** Resolves to the token's grant, or rejects with an `AuthError` (never with the token in it). */
  verify(token: string | undefined): Promise<Grant>;
}

export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const versions = options.versions ?? ['draft-08', 'legacy'];
  const algorithms = options.algorithms.filter((alg) => alg.toLowerCase() !== 'none');
  if (algorithms.length === 0) throw new Error('the JWT verifier needs at least one allowed algorithm');
  const keysByIssuer = issuerKeys(options);
  const remote = options.remoteKeys;
  if (options.keys.length === 0 && remote === undefined && keysByIssuer.size === 0) {
    throw new Error('the JWT verifier needs at least one key');
  }
  if (versions.includes('draft-08') && !options.resource) {
    throw new Error('draft-08 tokens need the hub resource identifier (`resource`) to check `aud`');
  }
  if (versions.includes('draft-08') && keysByIssuer.size === 0) {
    throw new Error('draft-08 tokens need a trusted issuer (`issuer`): the `iss` bound to the keys');
  }
  const clock = options.clock ?? systemClock;
  const maxLength = options.maxTokenLengthChars ?? 16 * 1024;
  const limits = { ...DEFAULT_GRANT_LIMITS, ...options.grantLimits };
  const imported = importKeys([options.keys, ...keysByIssuer.values()].flat(), algorithms);
  const cache = new GrantCache(options.grantCacheSize ?? 1000, options.grantCacheTtlMs ?? 30_000);

  return {
    async verify(token) {
      if (token === undefined || token === '') throw new AuthError('TOKEN_MISSING', 'no access token');
      if (token.length > maxLength) throw new AuthError('TOKEN_INVALID', 'the access token is too long');
      const nowMs = clock.nowMs();
      const cached = cache.get(token, nowMs);
      if (cached !== undefined) return cached;
      const grant = await verifyToken(token, nowMs);
      cache.set(token, grant, nowMs);
      return grant;
    },
  };

  async function verifyToken(token: string, nowMs: number): Promise<Grant> {
    const header = readHeader(token);
    if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
      throw new AuthError('TOKEN_INVALID', 'the token algorithm is not allowed');
    }
    const version = tokenVersion(header.typ, versions);
    if (version === undefined) throw new AuthError('TOKEN_INVALID', 'the token type must be at+jwt');
    // draft-08: only the keys of the issuer the token names may verify it, never a pooled set, so a
    // token signed by one trusted issuer cannot pass under another's identity. jose checks `iss`
    // again once the signature holds.
    const issuer = version === 'draft-08' ? trustedIssuerOf(token, keysByIssuer) : undefined;
    const keys = issuer === undefined ? options.keys : (keysByIssuer.get(issuer) ?? []);
    const candidates = keysFor(keys, header.alg, header.kid);
    // The remote set belongs with `keys`: 0.x tokens and the top-level issuer's draft-08 tokens.
    const useRemote = remote !== undefined && (issuer === undefined || issuer === options.issuer);
    if (candidates.length === 0 && !useRemote) {
      throw new AuthError('TOKEN_INVALID', 'no configured key fits the token');
    }
    const payload = await verifyWithAny(
      token,
      candidates,
      imported,
      useRemote ? remote : undefined,
      header.alg,
      {
        algorithms: [header.alg],
        currentDate: new Date(nowMs),
        clockTolerance: options.clockToleranceSec ?? 0,
        ...(issuer === undefined
          ? { requiredClaims: options.requireExp === true ? ['exp'] : [] }
          : { issuer, audience: options.resource!, requiredClaims: ['iss', 'exp', 'aud'] }),
      },
    );
    if (version === 'legacy' && payload.authorization_details !== undefined) {
      // A draft-08 token without its type: refusing it keeps other JWTs (ID tokens…) out.
      throw new AuthError('TOKEN_INVALID', 'access tokens with authorization_details must have typ at+jwt');
    }
    if (version === 'legacy' && payload.aud !== undefined && options.resource !== undefined) {
      const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!audiences.includes(options.resource)) {
        throw new AuthError('TOKEN_AUDIENCE', 'the token audience is not this hub');
      }
    }
    return grantFromClaims(version, payload, limits, options.selectorOptions);
  }
}

/** Each trusted issuer's keys: `issuer` with `keys`, then `issuers`. One issuer, one entry. */
function issuerKeys(options: JwtVerifierOptions): Map<string, readonly VerificationKey[]> {
  const byIssuer = new Map<string, readonly VerificationKey[]>();
  const trusted = options.issuer === undefined ? [] : [{ issuer: options.issuer, keys: options.keys }];
  for (const { issuer, keys } of [...trusted, ...(options.issuers ?? [])]) {
    if (issuer === '') throw new Error('a trusted issuer identifier cannot be empty');
    if (byIssuer.has(issuer)) throw new Error(`the issuer ${issuer} is configured twice`);
    const remote = issuer === options.issuer && options.remoteKeys !== undefined;
    if (keys.length === 0 && !remote) throw new Error(`the issuer ${issuer} has no key`);
    byIssuer.set(issuer, keys);
  }
  return byIssuer;
}

/**
 * The `iss` of a draft-08 token, read before the signature is checked (to choose the keys), when it
 * names a trusted issuer; `TOKEN_INVALID` otherwise ("Hubs MUST verify that the iss claim is
 * present and exactly matches the issuer identifier of one of the hub's trusted issuers").
 */
function trustedIssuerOf(token: string, keysByIssuer: ReadonlyMap<string, unknown>): string {
  let iss: unknown;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    throw new AuthError('TOKEN_INVALID', 'the token is malformed');
  }
  if (iss === undefined) throw new AuthError('TOKEN_INVALID', 'the token has no "iss" claim');
  if (typeof iss !== 'string' || !keysByIssuer.has(iss)) {
    throw new AuthError('TOKEN_INVALID', 'the token issuer is not trusted');
  }
  return iss;
}

/**
 * Whether a token's header says it is a JWT access token (`typ: at+jwt`, RFC 9068), the draft-08
 * kind; `false` for 0.x tokens and for text that is not a JWT. The signature is not checked.
 */
export function isJwtAccessToken(token: string): boolean {
  try {
    return isAccessTokenType(decodeProtectedHeader(token).typ);
  } catch {
    return false;
  }
}

/** Tokens longer than this are not cached: the bound on the cache's memory is size × this. */
const MAX_CACHED_TOKEN_CHARS = 4096;

/**
 * Verified grants by token text, in the hub's one bounded LRU (`Lru`, at most `size` entries).
 * Only successful verifications are stored, so a token that is not valid yet (`nbf`) or refused
 * is checked again each time; an entry found past its end is dropped.
 */
class GrantCache {
  readonly #entries: Lru<string, { grant: Grant; untilMs: number }> | undefined;
  readonly #ttlMs: number;

  constructor(size: number, ttlMs: number) {
    // `Lru` keeps up to twice its capacity (two generations): half of `size` keeps the bound.
    this.#entries = size > 0 ? new Lru(Math.ceil(size / 2)) : undefined;
    this.#ttlMs = ttlMs;
  }

  get(token: string, nowMs: number): Grant | undefined {
    const entry = this.#entries?.get(token);
    if (entry === undefined) return undefined;
    if (nowMs < entry.untilMs) return entry.grant;
    this.#entries?.delete(token);
    return undefined;
  }

  set(token: string, grant: Grant, nowMs: number): void {
    if (this.#entries === undefined || token.length > MAX_CACHED_TOKEN_CHARS) return;
    // Until `exp` exactly, never beyond (a clock tolerance may have accepted it a little past).
    const untilMs = grant.expiresAtMs ?? nowMs + this.#ttlMs;
    if (untilMs > nowMs) this.#entries.set(token, { grant, untilMs });
  }
}

function readHeader(token: string): { alg?: unknown; typ?: unknown; kid?: unknown } {
  try {
    return decodeProtectedHeader(token);
  } catch {
    throw new AuthError('TOKEN_INVALID', 'the token is malformed');
  }
}

/** RFC 9068 §4: `typ` compares case-insensitively, with or without the `application/` prefix. */
/**
 * Keys that may verify this token: the algorithm must fit the key's type (no confusion), and a
 * `kid` in the header narrows to the keys with that `kid` when any has it. The key is chosen
 * from configuration, never from the token (no `jwk`/`jku`/`x5u` header is honoured).
 */
function keysFor(keys: readonly VerificationKey[], alg: string, kid: unknown): VerificationKey[] {
  const fitting = keys.filter((key) => key.algorithms.includes(alg));
  if (typeof kid !== 'string') return fitting;
  const named = fitting.filter((key) => key.kid === kid);
  return named.length > 0 ? named : fitting.filter((key) => key.kid === undefined);
}

type VerifyOptions = NonNullable<Parameters<typeof jwtVerify>[2]>;

/**
 * Tries each candidate key (rotation), then the remote JWK Set if any; the first valid signature
 * decides the claims checks.
 */
async function verifyWithAny(
  token: string,
  keys: readonly VerificationKey[],
  imported: ImportedKeys,
  remote: JWTVerifyGetKey | undefined,
  alg: string,
  verifyOptions: VerifyOptions,
): Promise<JWTPayload> {
  for (const candidate of keys) {
    try {
      const key = (await imported.get(candidate)?.get(alg)) ?? candidate.key;
      const { payload } = await jwtVerify(token, key, verifyOptions);
      return payload;
    } catch (error) {
      if (errorCode(error) === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') continue;
      throw toAuthError(error);
    }
  }
  if (remote !== undefined) {
    try {
      const { payload } = await jwtVerify(token, remote, verifyOptions);
      return payload;
    } catch (error) {
      // No key of the set fits, the set could not be fetched, or the signature is wrong: all 401.
      throw toAuthError(error);
    }
  }
  throw new AuthError('TOKEN_INVALID', 'the token signature is invalid');
}

type ImportedKeys = Map<VerificationKey, Map<string, Promise<CryptoKey | KeyObject>>>;

/**
 * Each key as a WebCrypto `CryptoKey`, imported once per (key, algorithm) when the verifier is
 * created. Given a `KeyObject`, jose imports it into a CryptoKey on every verification (WebCrypto
 * `importKey`, `normalizeAlgorithm`, `makeTransferable`…: ~12% of a publish-heavy CPU profile,
 * bench/fanout/RESULTS.md). A CryptoKey is bound to one algorithm, and only the algorithms the key
 * type allows (`VerificationKey.algorithms`) are imported: the binding against algorithm confusion
 * holds. A key WebCrypto cannot import (e.g. Ed448 on some Node versions) falls back to the KeyObject.
 */
function importKeys(keys: readonly VerificationKey[], allowed: readonly string[]): ImportedKeys {
  const imported: ImportedKeys = new Map();
  for (const key of keys) {
    const byAlg = new Map<string, Promise<CryptoKey | KeyObject>>();
    for (const alg of key.algorithms) {
      if (!allowed.includes(alg)) continue;
      byAlg.set(
        alg,
        toCryptoKey(key.key, alg).catch(() => key.key),
      );
    }
    imported.set(key, byAlg);
  }
  return imported;
}

const HMAC_HASHES: Record<string, string> = { HS256: 'SHA-256', HS384: 'SHA-384', HS512: 'SHA-512' };

async function toCryptoKey(key: KeyObject, alg: string): Promise<CryptoKey> {
  const hash = HMAC_HASHES[alg];
  if (key.type === 'secret') {
    if (hash === undefined) throw new Error('not an HMAC algorithm');
    // jose's importJWK returns the raw bytes for `oct` keys (imported again per verify): import here.
    return globalThis.crypto.subtle.importKey('raw', key.export(), { name: 'HMAC', hash }, false, ['verify']);
  }
  if (hash !== undefined) throw new Error('an HMAC algorithm needs a secret key');
  const imported = await importJWK(key.export({ format: 'jwk' }), alg);
  if (imported instanceof Uint8Array) throw new Error('not an asymmetric key');
  return imported;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps jose's errors to ours; jose's messages are dropped (they may quote claim values). */
function toAuthError(error: unknown): AuthError {
  const code = errorCode(error);
  if (code === 'ERR_JWT_EXPIRED') return new AuthError('TOKEN_EXPIRED', 'the token has expired');
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    const claim = (error as { claim?: unknown }).claim;
    if (claim === 'nbf') return new AuthError('TOKEN_NOT_YET_VALID', 'the token is not valid yet');
    if (claim === 'aud') return new AuthError('TOKEN_AUDIENCE', 'the token audience is not this hub');
    const reason = (error as { reason?: unknown }).reason;
    if (reason === 'missing')
      return new AuthError('TOKEN_INVALID', `the token has no "${String(claim)}" claim`);
    return new AuthError('TOKEN_INVALID', `the token "${String(claim)}" claim is invalid`);
  }
  return new AuthError('TOKEN_INVALID', 'the token is invalid');
}

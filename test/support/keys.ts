/**
 * Keys and tokens for tests: HMAC, RSA, EC and EdDSA key pairs (generated once per process),
 * JWK Set files, signed tokens of both protocol versions, and hand-made forgeries (`alg: none`,
 * HMAC signed with a public key's PEM text).
 */
import { createHmac, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JWTPayload, SignJWT } from 'jose';

export const HMAC_SECRET = '!ChangeThisMercureHubJWTSecretKey!';
export const RESOURCE = 'https://hub.example.com/.well-known/mercure';
/** The issuer identifier the test keys are bound to: the `iss` of draft-08 tokens. */
export const ISSUER = 'https://publisher.example.com';
/** The Mercure authorization detail type (draft-08 §Authorization Details). */
export const MERCURE_DETAIL_TYPE = 'https://mercure.rocks/authorization-detail';

export type AsymmetricAlg = 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA';

export interface TestKeyPair {
  alg: AsymmetricAlg;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SPKI PEM of the public key. */
  publicPem: string;
  /** Public JWK with `alg` and `kid` set. */
  publicJwk: Record<string, unknown>;
}

const pairs = new Map<AsymmetricAlg, TestKeyPair>();

/** A key pair for `alg`, generated on first use and then reused (RSA generation is slow). */
export function keyPair(alg: AsymmetricAlg): TestKeyPair {
  let pair = pairs.get(alg);
  if (pair === undefined) {
    const { privateKey, publicKey } = generate(alg);
    pair = {
      alg,
      privateKey,
      publicKey,
      publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      publicJwk: { ...publicKey.export({ format: 'jwk' }), alg, kid: `test-${alg}`, use: 'sig' },
    };
    pairs.set(alg, pair);
  }
  return pair;
}

function generate(alg: AsymmetricAlg): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case 'RS256':
    case 'PS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ES384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
  }
}

/** Writes a JWK Set to a fresh temporary directory; returns the file path. */
export function writeJwksFile(keys: readonly Record<string, unknown>[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-jwks-'));
  const path = join(dir, 'jwks.json');
  writeFileSync(path, JSON.stringify({ keys }));
  return path;
}

export interface SignOptions {
  alg: string;
  /** HMAC secret (string or bytes) or private key. */
  key: string | Uint8Array | KeyObject;
  /** Header `typ`; `at+jwt` for draft-08 tokens. */
  typ?: string;
  kid?: string;
  /** Seconds since the epoch; `exp`/`nbf`/`aud` go in the claims directly when needed. */
  iat?: number;
}

export async function signToken(claims: JWTPayload, options: SignOptions): Promise<string> {
  const key = typeof options.key === 'string' ? new TextEncoder().encode(options.key) : options.key;
  const header = {
    alg: options.alg,
    ...(options.typ === undefined ? {} : { typ: options.typ }),
    ...(options.kid === undefined ? {} : { kid: options.kid }),
  };
  const jwt = new SignJWT(claims).setProtectedHeader(header);
  if (options.iat !== undefined) jwt.setIssuedAt(options.iat);
  return jwt.sign(key);
}

/**
 * Claims of a draft-08 access token from `ISSUER` for `RESOURCE`, valid for an hour from `nowSec`:
 * every claim RFC 9068 requires issuers to populate (draft-08 §Authorization).
 */
export function accessTokenClaims(
  details: readonly Record<string, unknown>[],
  nowSec = Math.floor(Date.now() / 1000),
  extra: JWTPayload = {},
): JWTPayload {
  return {
    iss: ISSUER,
    aud: RESOURCE,
    exp: nowSec + 3600,
    sub: 'urn:test:subscriber',
    client_id: ISSUER,
    iat: nowSec,
    jti: `urn:uuid:${randomUUID()}`,
    authorization_details: [...details],
    ...extra,
  };
}

/** A Mercure authorization detail (`type` = `MERCURE_DETAIL_TYPE`). */
export function mercureDetail(
  actions: readonly ('publish' | 'subscribe')[],
  topics: readonly (string | { match: string; match_type?: string })[],
  payload?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    type: MERCURE_DETAIL_TYPE,
    actions: [...actions],
    topics: topics.map((t) => (typeof t === 'string' ? { match: t } : t)),
    ...(payload === undefined ? {} : { payload }),
  };
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** An unsecured JWT (`alg: none`, empty signature), which no hub may accept. */
export function unsignedToken(claims: JWTPayload, header: Record<string, unknown> = {}): string {
  return `${base64url(JSON.stringify({ alg: 'none', ...header }))}.${base64url(JSON.stringify(claims))}.`;
}

/**
 * The algorithm-confusion forgery: an HS256 token whose HMAC secret is the bytes of a public key's
 * PEM text (public, so known to the attacker). Signed by hand: libraries refuse to do it.
 */
export function hmacWithPublicPem(
  claims: JWTPayload,
  publicPem: string,
  header: Record<string, unknown> = {},
): string {
  const signingInput = `${base64url(JSON.stringify({ alg: 'HS256', ...header }))}.${base64url(JSON.stringify(claims))}`;
  const signature = createHmac('sha256', publicPem).update(signingInput).digest();
  return `${signingInput}.${signature.toString('base64url')}`;
}

import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

/**
 * Verification keys, each bound at load time to the algorithms its type allows. Binding the key,
 * not the token, to algorithms is what prevents algorithm confusion (RFC 8725 §3.1): an RSA public
 * key only ever verifies RSxxx and PSxxx, so a token "signed" with HS256 using the PEM text as the HMAC
 * secret never reaches an HMAC check.
 */
export interface VerificationKey {
  /** `kid` of the key, when configured (JWKS keys carry their own). */
  readonly kid: string | undefined;
  readonly key: KeyObject;
  /** The JWS algorithms this key can verify (further narrowed by the verifier's allowlist). */
  readonly algorithms: readonly string[];
}

export type KeySpec =
  /** A shared secret for HS256/384/512 (the 0.x hub's `jwt_key`). */
  | { type: 'hmac'; secret: string | Uint8Array; kid?: string }
  /** A PEM public key (SPKI or PKCS#1) or certificate; a private key yields its public half. */
  | { type: 'pem'; pem: string; kid?: string }
  | { type: 'pem-file'; path: string; kid?: string }
  /** A JWK Set, as JSON text or parsed. Keys with `use: "enc"` are skipped. */
  | { type: 'jwks'; jwks: string | { keys?: unknown } }
  | { type: 'jwks-file'; path: string };

/** Thrown for unusable key material: a configuration error, reported at startup. */
export class KeyConfigError extends Error {
  override readonly name = 'KeyConfigError';
  readonly code = 'KEY_INVALID';
}

const HMAC = ['HS256', 'HS384', 'HS512'];
const RSA = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const RSA_PSS = ['PS256', 'PS384', 'PS512'];
const EC_CURVES: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

export function loadKey(spec: KeySpec): VerificationKey[] {
  switch (spec.type) {
    case 'hmac':
      return [hmacKey(spec.secret, spec.kid)];
    case 'pem':
      return [pemKey(spec.pem, spec.kid)];
    case 'pem-file':
      return [pemKey(readFileSync(spec.path, 'utf8'), spec.kid)];
    case 'jwks':
      return jwksKeys(typeof spec.jwks === 'string' ? parseJson(spec.jwks) : spec.jwks);
    case 'jwks-file':
      return jwksKeys(parseJson(readFileSync(spec.path, 'utf8')));
  }
}

function hmacKey(secret: string | Uint8Array, kid: string | undefined): VerificationKey {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (bytes.length === 0) throw new KeyConfigError('the HMAC secret is empty');
  return { kid, key: createSecretKey(bytes), algorithms: HMAC };
}

function pemKey(pem: string, kid: string | undefined): VerificationKey {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new KeyConfigError('not a PEM public key, private key or certificate');
  }
  return { kid, key, algorithms: algorithmsFor(key) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new KeyConfigError('the JWK Set is not valid JSON');
  }
}

function jwksKeys(jwks: unknown): VerificationKey[] {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new KeyConfigError('a JWK Set needs a "keys" array');
  const loaded: VerificationKey[] = [];
  for (const jwk of keys as Record<string, unknown>[]) {
    if (typeof jwk !== 'object' || jwk === null) throw new KeyConfigError('a JWK is not an object');
    if (jwk.use === 'enc') continue;
    const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
    let key: KeyObject;
    try {
      key =
        jwk.kty === 'oct'
          ? createSecretKey(Buffer.from(String(jwk.k), 'base64url'))
          : createPublicKey({ key: jwk as never, format: 'jwk' });
    } catch {
      throw new KeyConfigError(`unusable JWK${kid === undefined ? '' : ` "${kid}"`}`);
    }
    let algorithms = algorithmsFor(key);
    // A JWK that names its algorithm is used with that one only (RFC 7517 §4.4).
    if (typeof jwk.alg === 'string') algorithms = algorithms.filter((alg) => alg === jwk.alg);
    loaded.push({ kid, key, algorithms });
  }
  return loaded;
}

function algorithmsFor(key: KeyObject): string[] {
  if (key.type === 'secret') return HMAC;
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return RSA;
    case 'rsa-pss':
      return RSA_PSS;
    case 'ec': {
      const alg = EC_CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
      return alg === undefined ? [] : [alg];
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    case 'ed448':
      return ['EdDSA'];
    default:
      return [];
  }
}

/** How a remote JWK Set is fetched and cached. */
export interface RemoteJwksOptions {
  /** A fetched set is refetched after this long. Default 10 min. */
  cacheMaxAgeMs?: number | undefined;
  /** At least this long between two fetches prompted by unknown `kid`s. Default 30 s. */
  cooldownMs?: number | undefined;
  /** Fetch timeout. Default 5 s. */
  timeoutMs?: number | undefined;
}

/**
 * A JWK Set fetched from `url` (jose's `createRemoteJWKSet`): cached, refetched when a token names
 * a `kid` it lacks (at most once per cooldown, so unknown kids cannot make the hub hammer the
 * server) and once older than `cacheMaxAgeMs`. jose matches keys by `kid`, `alg` and key type.
 */
export function remoteJwks(url: string | URL, options: RemoteJwksOptions = {}): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(url), {
    cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
    cooldownDuration: options.cooldownMs ?? 30_000,
    timeoutDuration: options.timeoutMs ?? 5_000,
  });
}

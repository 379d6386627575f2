/**
 * Development tokens: what `herald token` signs. The same claims the hub verifies (0.x `mercure`
 * claim; draft-08 `at+jwt` with `authorization_details`), signed with the hub's own key. Not an
 * authorization server: whoever holds the key can mint any right.
 */
import { createPrivateKey, type KeyObject, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { MERCURE_DETAIL_TYPE } from './authorization.js';

/** A token that cannot be minted as asked; the message names the option to change. */
export class TokenMintError extends Error {
  override readonly name = 'TokenMintError';
  readonly code = 'INVALID_TOKEN_REQUEST';
}

export interface MintOptions {
  key: string;
  alg?: string | undefined;
  publish?: readonly string[] | undefined;
  subscribe?: readonly string[] | undefined;
  version?: 'legacy' | 'draft-08' | undefined;
  issuer?: string | undefined;
  resource?: string | undefined;
  /** Seconds, or `never` (legacy only). Default 3600. */
  expiresInSec?: number | 'never' | undefined;
  sub?: string | undefined;
  /** Seconds since the epoch; default now. */
  nowSec?: number | undefined;
}

function signingKey(key: string, alg: string | undefined): { key: KeyObject | Uint8Array; alg: string } {
  const pem = key.startsWith('@') ? readFileSync(key.slice(1), 'utf8') : key.replace(/\\n/g, '\n');
  if (pem.includes('-----BEGIN')) {
    if (alg === undefined)
      throw new TokenMintError('--alg is required with a PEM key (e.g. RS256, ES256, EdDSA)');
    if (!pem.includes('PRIVATE KEY'))
      throw new TokenMintError('--jwt-key must be a private key to sign tokens');
    return { key: createPrivateKey(pem), alg };
  }
  const chosen = alg ?? 'HS256';
  if (!/^HS(256|384|512)$/.test(chosen)) {
    throw new TokenMintError(`--alg ${chosen} needs a PEM private key; an HMAC secret signs HS256/384/512`);
  }
  return { key: new TextEncoder().encode(key), alg: chosen };
}

/** Signs a development token for `herald serve` with the hub's own key. */
export async function mintToken(options: MintOptions): Promise<string> {
  const version = options.version ?? 'legacy';
  const publish = [...(options.publish ?? [])];
  const subscribe = [...(options.subscribe ?? [])];
  if (publish.length === 0 && subscribe.length === 0) {
    throw new TokenMintError('the token grants nothing: give --publish TOPIC and/or --subscribe TOPIC');
  }
  const { key, alg } = signingKey(options.key, options.alg);
  const nowSec = options.nowSec ?? Math.floor(Date.now() / 1000);
  const expiresIn = options.expiresInSec ?? 3600;
  let jwt: SignJWT;
  if (version === 'draft-08') {
    if (options.issuer === undefined || options.resource === undefined) {
      throw new TokenMintError(
        '--version draft-08 needs --issuer (the hub’s --issuer) and --resource (the hub’s --resource)',
      );
    }
    if (expiresIn === 'never')
      throw new TokenMintError('draft-08 tokens must expire: --expires-in never is legacy only');
    const details = [];
    const matchers = (topics: string[]) => topics.map((match) => ({ match }));
    if (publish.length > 0)
      details.push({ type: MERCURE_DETAIL_TYPE, actions: ['publish'], topics: matchers(publish) });
    if (subscribe.length > 0) {
      details.push({ type: MERCURE_DETAIL_TYPE, actions: ['subscribe'], topics: matchers(subscribe) });
    }
    jwt = new SignJWT({ authorization_details: details, client_id: options.issuer })
      .setProtectedHeader({ alg, typ: 'at+jwt' })
      .setIssuer(options.issuer)
      .setAudience(options.resource)
      .setJti(`urn:uuid:${randomUUID()}`)
      .setSubject(options.sub ?? 'herald-cli');
  } else if (version === 'legacy') {
    const mercure = {
      ...(publish.length > 0 ? { publish } : {}),
      ...(subscribe.length > 0 ? { subscribe } : {}),
    };
    jwt = new SignJWT({ mercure }).setProtectedHeader({ alg });
    if (options.sub !== undefined) jwt.setSubject(options.sub);
    if (options.resource !== undefined) jwt.setAudience(options.resource);
  } else {
    throw new TokenMintError(`--version must be legacy or draft-08, got ${JSON.stringify(version)}`);
  }
  jwt.setIssuedAt(nowSec);
  if (expiresIn !== 'never') jwt.setExpirationTime(nowSec + expiresIn);
  return jwt.sign(key);
}

import { describe, expect, it } from 'vitest';
import { createJwtVerifier, type JwtVerifierOptions } from '../../src/hub/jwt.js';
import { loadKey } from '../../src/hub/jwt-keys.js';
import { rejection } from '../support/auth-rejection.js';
import {
  accessTokenClaims,
  HMAC_SECRET,
  ISSUER,
  mercureDetail,
  RESOURCE,
  signToken,
} from '../support/keys.js';

const NOW_SEC = 1_750_000_000;
const subscribeAll = [mercureDetail(['subscribe'], ['*'])];

function setup(overrides: Partial<JwtVerifierOptions> = {}) {
  let nowMs = NOW_SEC * 1000;
  const verifier = createJwtVerifier({
    keys: loadKey({ type: 'hmac', secret: HMAC_SECRET }),
    algorithms: ['HS256'],
    resource: RESOURCE,
    issuer: ISSUER,
    clock: { nowMs: () => nowMs },
    ...overrides,
  });
  return {
    verifier,
    advanceMs: (ms: number) => {
      nowMs += ms;
    },
  };
}

const sign = (claims: Record<string, unknown>) =>
  signToken(claims, { alg: 'HS256', key: HMAC_SECRET, typ: 'at+jwt' });

describe('JWT verification: cache of verified grants', () => {
  it('answers the same token again with the grant it verified', async () => {
    const { verifier } = setup();
    const token = await sign(accessTokenClaims(subscribeAll, NOW_SEC));
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toBe(first);
  });

  it('never answers from the cache at or past the token exp', async () => {
    const { verifier, advanceMs } = setup();
    const token = await sign(accessTokenClaims(subscribeAll, NOW_SEC, { exp: NOW_SEC + 10 }));
    await verifier.verify(token);
    advanceMs(10_000);
    expect((await rejection(verifier.verify(token))).code).toBe('TOKEN_EXPIRED');
  });

  it('keeps a 0.x token without exp only for the short TTL', async () => {
    const { verifier, advanceMs } = setup({ grantCacheTtlMs: 1_000, versions: ['legacy'] });
    const token = await signToken({ mercure: { subscribe: ['*'] } }, { alg: 'HS256', key: HMAC_SECRET });
    const first = await verifier.verify(token);
    advanceMs(999);
    expect(await verifier.verify(token)).toBe(first);
    advanceMs(1);
    const again = await verifier.verify(token);
    expect(again).not.toBe(first);
    expect(again.canSubscribe('https://example.com/x')).toBe(true);
  });

  it('keeps at most its size, dropping the least recently used grant first', async () => {
    const { verifier } = setup({ grantCacheSize: 2 });
    const [a, b, c] = await Promise.all(
      ['a', 'b', 'c'].map((sub) => sign(accessTokenClaims(subscribeAll, NOW_SEC, { sub }))),
    );
    const grantA = await verifier.verify(a!);
    const grantB = await verifier.verify(b!);
    expect(await verifier.verify(a!)).toBe(grantA); // a used again: b is now the least recent
    await verifier.verify(c!);
    expect(await verifier.verify(a!)).toBe(grantA);
    expect(await verifier.verify(b!)).not.toBe(grantB);
  });

  it('does not remember a refusal: a token not yet valid is accepted once its nbf is reached', async () => {
    const { verifier, advanceMs } = setup();
    const token = await sign(accessTokenClaims(subscribeAll, NOW_SEC, { nbf: NOW_SEC + 5 }));
    expect((await rejection(verifier.verify(token))).code).toBe('TOKEN_NOT_YET_VALID');
    advanceMs(5_000);
    expect((await verifier.verify(token)).version).toBe('draft-08');
  });

  it('is off with a size of 0', async () => {
    const { verifier } = setup({ grantCacheSize: 0 });
    const token = await sign(accessTokenClaims(subscribeAll, NOW_SEC));
    expect(await verifier.verify(token)).not.toBe(await verifier.verify(token));
  });
});

import { describe, expect, it } from 'vitest';
import { createJwtVerifier, type JwtVerifierOptions } from '../../src/hub/jwt.js';
import { KeyConfigError, loadKey } from '../../src/hub/jwt-keys.js';
import { rejection } from '../support/auth-rejection.js';
import {
  type AsymmetricAlg,
  accessTokenClaims,
  HMAC_SECRET,
  hmacWithPublicPem,
  ISSUER,
  keyPair,
  mercureDetail,
  RESOURCE,
  signToken,
  unsignedToken,
  writeJwksFile,
} from '../support/keys.js';

const NOW_SEC = 1_750_000_000;
const clock = { nowMs: () => NOW_SEC * 1000 };
const ALGS = ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'];
const subscribeAll = [mercureDetail(['subscribe'], ['*'])];

function verifier(overrides: Partial<JwtVerifierOptions> = {}) {
  return createJwtVerifier({
    keys: loadKey({ type: 'hmac', secret: HMAC_SECRET }),
    algorithms: ALGS,
    resource: RESOURCE,
    issuer: ISSUER,
    clock,
    ...overrides,
  });
}

describe('JWT verification: algorithm families', () => {
  it('accepts an HS256 draft-08 access token signed with the shared secret', async () => {
    const token = await signToken(accessTokenClaims(subscribeAll, NOW_SEC), {
      alg: 'HS256',
      key: HMAC_SECRET,
      typ: 'at+jwt',
    });
    const grant = await verifier().verify(token);
    expect(grant.version).toBe('draft-08');
    expect(grant.canSubscribe('https://example.com/anything')).toBe(true);
    expect(grant.canPublish('https://example.com/anything')).toBe(false);
    expect(grant.expiresAtMs).toBe((NOW_SEC + 3600) * 1000);
    expect(grant.subject).toBe('urn:test:subscriber');
  });

  it.each<AsymmetricAlg>(['RS256', 'PS256', 'ES256', 'EdDSA'])(
    'accepts %s with a PEM public key',
    async (alg) => {
      const pair = keyPair(alg);
      const token = await signToken(accessTokenClaims(subscribeAll, NOW_SEC), {
        alg,
        key: pair.privateKey,
        typ: 'at+jwt',
      });
      const grant = await verifier({ keys: loadKey({ type: 'pem', pem: pair.publicPem }) }).verify(token);
      expect(grant.canSubscribe('x')).toBe(true);
    },
  );

  it('accepts keys from a JWK Set file and picks the key by kid', async () => {
    const rsa = keyPair('RS256');
    const ec = keyPair('ES256');
    const keys = loadKey({ type: 'jwks-file', path: writeJwksFile([rsa.publicJwk, ec.publicJwk]) });
    expect(keys.map((k) => k.kid)).toEqual(['test-RS256', 'test-ES256']);
    const token = await signToken(accessTokenClaims(subscribeAll, NOW_SEC), {
      alg: 'ES256',
      key: ec.privateKey,
      typ: 'at+jwt',
      kid: 'test-ES256',
    });
    expect((await verifier({ keys }).verify(token)).canSubscribe('x')).toBe(true);
  });

  it('tries every fitting key when the token names no kid (key rotation)', async () => {
    const keys = [
      ...loadKey({ type: 'hmac', secret: 'old secret' }),
      ...loadKey({ type: 'hmac', secret: HMAC_SECRET }),
    ];
    const token = await signToken(accessTokenClaims(subscribeAll, NOW_SEC), {
      alg: 'HS256',
      key: HMAC_SECRET,
      typ: 'at+jwt',
    });
    expect((await verifier({ keys }).verify(token)).canSubscribe('x')).toBe(true);
  });
});

describe('JWT verification: forgeries and bad tokens', () => {
  it('rejects a missing token with TOKEN_MISSING', async () => {
    expect((await rejection(verifier().verify(undefined))).code).toBe('TOKEN_MISSING');
    expect((await rejection(verifier().verify(''))).code).toBe('TOKEN_MISSING');
  });

  it('rejects alg none even when none is in the allowlist', async () => {
    const token = unsignedToken(accessTokenClaims(subscribeAll, NOW_SEC), { typ: 'at+jwt' });
    const error = await rejection(verifier({ algorithms: [...ALGS, 'none'] }).verify(token));
    expect(error.code).toBe('TOKEN_INVALID');
    expect(error.status).toBe(401);
  });

  it('rejects an HS256 token signed with the PEM text of the configured RSA public key', async () => {
    const pair = keyPair('RS256');
    const token = hmacWithPublicPem(accessTokenClaims(subscribeAll, NOW_SEC), pair.publicPem, {
      typ: 'at+jwt',
    });
    const keys = loadKey({ type: 'pem', pem: pair.publicPem });
    expect((await rejection(verifier({ keys }).verify(token))).code).toBe('TOKEN_INVALID');
  });

  it('rejects an algorithm outside the allowlist', async () => {
    const token = await signToken(accessTokenClaims(subscribeAll, NOW_SEC), {
      alg: 'HS512',
      key: HMAC_SECRET,
      typ: 'at+jwt',
    });
    expect((await rejection(verifier().verify(token))).code).toBe('TOKEN_INVALID');
  });

  it('rejects a bad signature and a malformed token without echoing the token', async () => {
    const token = await signToken(accessTokenClaims(subscribeAll, NOW_SEC), {
      alg: 'HS256',
      key: 'wrong',
      typ: 'at+jwt',
    });
    const error = await rejection(verifier().verify(token));
    expect(error.code).toBe('TOKEN_INVALID');
    expect(error.message).not.toContain(token.slice(0, 20));
    expect((await rejection(verifier().verify('not.a.token'))).code).toBe('TOKEN_INVALID');
    expect((await rejection(verifier().verify('x'.repeat(20_000)))).code).toBe('TOKEN_INVALID');
  });

  it('rejects an expired token and one not yet valid', async () => {
    const expired = await signToken(accessTokenClaims(subscribeAll, NOW_SEC, { exp: NOW_SEC - 1 }), {
      alg: 'HS256',
      key: HMAC_SECRET,
      typ: 'at+jwt',
    });
    expect((await rejection(verifier().verify(expired))).code).toBe('TOKEN_EXPIRED');
    const early = await signToken(accessTokenClaims(subscribeAll, NOW_SEC, { nbf: NOW_SEC + 60 }), {
      alg: 'HS256',
      key: HMAC_SECRET,
      typ: 'at+jwt',
    });
    expect((await rejection(verifier().verify(early))).code).toBe('TOKEN_NOT_YET_VALID');
    expect((await verifier({ clockToleranceSec: 120 }).verify(early)).canSubscribe('x')).toBe(true);
  });

  it.each([
    ['another hub', 'https://other.example/.well-known/mercure'],
    ['empty', ''],
    ['an empty array', []],
    ['missing', undefined],
  ])('rejects a draft-08 token whose aud is %s', async (_name, aud) => {
    const token = await signToken(accessTokenClaims(subscribeAll, NOW_SEC, { aud: aud as string }), {
      alg: 'HS256',
      key: HMAC_SECRET,
      typ: 'at+jwt',
    });
    expect((await rejection(verifier().verify(token))).code).toBe('TOKEN_AUDIENCE');
  });

  it('accepts aud as an array holding the resource', async () => {
    const claims = accessTokenClaims(subscribeAll, NOW_SEC, { aud: ['https://other.example', RESOURCE] });
    const token = await signToken(claims, { alg: 'HS256', key: HMAC_SECRET, typ: 'at+jwt' });
    expect((await verifier().verify(token)).version).toBe('draft-08');
  });

  it('requires exp on draft-08 tokens', async () => {
    const token = await signToken(accessTokenClaims(subscribeAll, NOW_SEC, { exp: undefined }), {
      alg: 'HS256',
      key: HMAC_SECRET,
      typ: 'at+jwt',
    });
    expect((await rejection(verifier().verify(token))).code).toBe('TOKEN_INVALID');
  });

  it('requires typ at+jwt for draft-08 tokens', async () => {
    const claims = accessTokenClaims(subscribeAll, NOW_SEC);
    const untyped = await signToken(claims, { alg: 'HS256', key: HMAC_SECRET });
    expect((await rejection(verifier().verify(untyped))).code).toBe('TOKEN_INVALID');
    const jwtTyped = await signToken(claims, { alg: 'HS256', key: HMAC_SECRET, typ: 'JWT' });
    expect((await rejection(verifier({ versions: ['draft-08'] }).verify(jwtTyped))).code).toBe(
      'TOKEN_INVALID',
    );
    const mediaTyped = await signToken(claims, { alg: 'HS256', key: HMAC_SECRET, typ: 'application/AT+JWT' });
    expect((await verifier().verify(mediaTyped)).version).toBe('draft-08');
  });

  it('checks iss when issuers are configured', async () => {
    const claims = accessTokenClaims(subscribeAll, NOW_SEC, { iss: 'https://as.example' });
    const token = await signToken(claims, { alg: 'HS256', key: HMAC_SECRET, typ: 'at+jwt' });
    expect((await verifier({ issuer: 'https://as.example' }).verify(token)).version).toBe('draft-08');
    expect((await rejection(verifier({ issuer: 'https://other-as.example' }).verify(token))).code).toBe(
      'TOKEN_INVALID',
    );
  });
});

describe('JWT verification: issuers (draft-08 §Token Validation)', () => {
  const sign = (claims: Record<string, unknown>, key = HMAC_SECRET) =>
    signToken(claims, { alg: 'HS256', key, typ: 'at+jwt' });
  const OTHER_SECRET = 'another-issuer-secret-with-enough-bytes';

  it('refuses a draft-08 token without iss, or whose iss is not a trusted issuer', async () => {
    const { iss: _, ...withoutIss } = accessTokenClaims(subscribeAll, NOW_SEC);
    expect((await rejection(verifier().verify(await sign(withoutIss)))).code).toBe('TOKEN_INVALID');
    const other = accessTokenClaims(subscribeAll, NOW_SEC, { iss: 'https://other.example' });
    expect((await rejection(verifier().verify(await sign(other)))).code).toBe('TOKEN_INVALID');
    const notString = accessTokenClaims(subscribeAll, NOW_SEC, { iss: [ISSUER] as unknown as string });
    expect((await rejection(verifier().verify(await sign(notString)))).code).toBe('TOKEN_INVALID');
    expect((await verifier().verify(await sign(accessTokenClaims(subscribeAll, NOW_SEC)))).version).toBe(
      'draft-08',
    );
  });

  it("verifies a token with only its issuer's keys: a trusted issuer's key cannot vouch for another issuer", async () => {
    const two = verifier({
      issuers: [{ issuer: 'https://b.example', keys: loadKey({ type: 'hmac', secret: OTHER_SECRET }) }],
    });
    const fromA = accessTokenClaims(subscribeAll, NOW_SEC);
    const fromB = accessTokenClaims(subscribeAll, NOW_SEC, { iss: 'https://b.example' });
    expect((await two.verify(await sign(fromA))).canSubscribe('x')).toBe(true);
    expect((await two.verify(await sign(fromB, OTHER_SECRET))).canSubscribe('x')).toBe(true);
    // Signed with A's key but claiming to be B, and the other way round.
    expect((await rejection(two.verify(await sign(fromB)))).code).toBe('TOKEN_INVALID');
    expect((await rejection(two.verify(await sign(fromA, OTHER_SECRET)))).code).toBe('TOKEN_INVALID');
  });

  it('checks no iss on 0.x tokens: the configured keys verify them as before', async () => {
    const legacy = await signToken({ mercure: { publish: ['*'] } }, { alg: 'HS256', key: HMAC_SECRET });
    expect((await verifier().verify(legacy)).canPublish('x')).toBe(true);
    const withOtherIss = await signToken(
      { mercure: { publish: ['*'] }, iss: 'https://anyone.example' },
      { alg: 'HS256', key: HMAC_SECRET },
    );
    expect((await verifier().verify(withOtherIss)).version).toBe('legacy');
    // Keys bound only to another issuer never verify 0.x tokens.
    const issuerOnly = verifier({
      keys: [],
      issuer: undefined,
      issuers: [{ issuer: ISSUER, keys: loadKey({ type: 'hmac', secret: HMAC_SECRET }) }],
    });
    expect((await rejection(issuerOnly.verify(legacy))).code).toBe('TOKEN_INVALID');
  });

  it('needs a trusted issuer when draft-08 tokens are accepted, and one entry per issuer', () => {
    expect(() => verifier({ issuer: undefined })).toThrow(/trusted issuer/);
    expect(() => verifier({ issuer: undefined, versions: ['legacy'] })).not.toThrow();
    const keys = loadKey({ type: 'hmac', secret: OTHER_SECRET });
    expect(() => verifier({ issuers: [{ issuer: ISSUER, keys }] })).toThrow(/configured twice/);
    expect(() => verifier({ issuers: [{ issuer: 'https://b.example', keys: [] }] })).toThrow(/no key/);
  });
});

describe('JWT verification: 0.x tokens', () => {
  it('reads mercure.publish, mercure.subscribe and mercure.payload', async () => {
    const token = await signToken(
      {
        mercure: {
          publish: ['https://example.com/books/{id}'],
          subscribe: ['https://example.com/users/1', 'https://example.com/groups/{g}'],
          payload: { user: 1 },
        },
      },
      { alg: 'HS256', key: HMAC_SECRET },
    );
    const grant = await verifier().verify(token);
    expect(grant.version).toBe('legacy');
    expect(grant.canPublish('https://example.com/books/1')).toBe(true);
    expect(grant.canPublish('https://example.com/authors/1')).toBe(false);
    expect(grant.canSubscribe('https://example.com/groups/a')).toBe(true);
    expect(grant.canSubscribe('https://example.com/users/2')).toBe(false);
    expect(grant.payload).toEqual({ user: 1 });
    expect(grant.payloadFor('anything')).toEqual({ user: 1 });
    expect(grant.expiresAtMs).toBeUndefined();
  });

  it('still enforces exp on 0.x tokens that carry it, and refuses them when only draft-08 is accepted', async () => {
    const expired = await signToken(
      { mercure: { subscribe: ['*'] }, exp: NOW_SEC - 10 },
      { alg: 'HS256', key: HMAC_SECRET },
    );
    expect((await rejection(verifier().verify(expired))).code).toBe('TOKEN_EXPIRED');
    const legacy = await signToken({ mercure: { subscribe: ['*'] } }, { alg: 'HS256', key: HMAC_SECRET });
    expect((await rejection(verifier({ versions: ['draft-08'] }).verify(legacy))).code).toBe('TOKEN_INVALID');
  });

  it('accepts a 0.x token without exp by default, and refuses it with requireExp', async () => {
    const forever = await signToken({ mercure: { subscribe: ['*'] } }, { alg: 'HS256', key: HMAC_SECRET });
    expect((await verifier().verify(forever)).expiresAtMs).toBeUndefined();
    const refused = await rejection(verifier({ requireExp: true }).verify(forever));
    expect(refused.code).toBe('TOKEN_INVALID');
    expect(refused.message).toBe('the token has no "exp" claim');
    const bounded = await signToken(
      { mercure: { subscribe: ['*'] }, exp: NOW_SEC + 60 },
      { alg: 'HS256', key: HMAC_SECRET },
    );
    expect((await verifier({ requireExp: true }).verify(bounded)).expiresAtMs).toBe((NOW_SEC + 60) * 1000);
  });

  it('rejects a 0.x token whose claim is malformed', async () => {
    for (const mercure of [{ publish: 'x' }, { subscribe: [1] }, 'str', { subscribe: ['a\u0000'] }]) {
      const token = await signToken({ mercure }, { alg: 'HS256', key: HMAC_SECRET });
      expect((await rejection(verifier().verify(token))).code).toBe('TOKEN_INVALID');
    }
  });

  it('needs a resource identifier when draft-08 tokens are accepted', () => {
    expect(() => verifier({ resource: undefined })).toThrow(/resource/);
    expect(() => verifier({ resource: undefined, versions: ['legacy'] })).not.toThrow();
  });
});

describe('loadKey', () => {
  it('binds each key to the algorithms its type allows', () => {
    expect(loadKey({ type: 'hmac', secret: 's' })[0]?.algorithms).toEqual(['HS256', 'HS384', 'HS512']);
    expect(loadKey({ type: 'pem', pem: keyPair('ES256').publicPem })[0]?.algorithms).toEqual(['ES256']);
    expect(loadKey({ type: 'pem', pem: keyPair('EdDSA').publicPem })[0]?.algorithms).toContain('EdDSA');
    expect(loadKey({ type: 'jwks', jwks: { keys: [keyPair('RS256').publicJwk] } })[0]?.algorithms).toEqual([
      'RS256',
    ]);
  });

  it('rejects unusable key material', () => {
    expect(() => loadKey({ type: 'hmac', secret: '' })).toThrow(KeyConfigError);
    expect(() => loadKey({ type: 'pem', pem: 'not a pem' })).toThrow(KeyConfigError);
    expect(() => loadKey({ type: 'jwks', jwks: '{' })).toThrow(KeyConfigError);
    expect(() => loadKey({ type: 'jwks', jwks: { keys: [{ kty: 'RSA' }] } })).toThrow(KeyConfigError);
  });
});

import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/cli/token.js';
import { mintToken } from '../../src/hub/index.js';
import { hubPerTest, ISSUER, publish, RESOURCE, SECRET, subscribe } from '../http/helpers.js';
import { herald } from './run-herald.js';

const TOPIC = 'https://example.com/books/1';

describe('herald token', () => {
  const startHub = hubPerTest('memory');

  it('prints only a legacy token, which a hub accepts for publishing and subscribing', async () => {
    const { url } = await startHub();
    const minted = await herald(['token', '--publish', TOPIC, '--subscribe', TOPIC, '--sub', 'alice'], {
      HERALD_JWT_KEY: SECRET,
    });
    expect(minted.code, minted.stderr).toBe(0);
    expect(minted.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = minted.stdout.trim();
    const claims = decodeJwt(token);
    expect(claims.mercure).toEqual({ publish: [TOPIC], subscribe: [TOPIC] });
    expect(claims.sub).toBe('alice');
    expect(claims.exp! - claims.iat!).toBe(3600);

    const stream = await subscribe(url, `topic=${encodeURIComponent(TOPIC)}`, {
      authorization: `Bearer ${token}`,
    });
    try {
      const response = await publish(url, token, [
        ['topic', TOPIC],
        ['data', 'private hello'],
        ['private', 'on'],
      ]);
      expect(response.status).toBe(200);
      const [event] = await stream.waitFor(1);
      expect(event?.data).toBe('private hello');
    } finally {
      stream.close();
    }
  });

  it('mints a draft-08 access token (typ at+jwt, iss, aud, authorization_details) that a hub accepts', async () => {
    const { url } = await startHub();
    const token = await mintToken({
      key: SECRET,
      version: 'draft-08',
      issuer: ISSUER,
      resource: RESOURCE,
      publish: [TOPIC],
      subscribe: ['*'],
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: ISSUER, aud: RESOURCE, sub: 'herald-cli', client_id: ISSUER });
    expect(typeof claims.jti).toBe('string');
    expect(claims.authorization_details).toEqual([
      {
        type: 'https://mercure.rocks/authorization-detail',
        actions: ['publish'],
        topics: [{ match: TOPIC }],
      },
      {
        type: 'https://mercure.rocks/authorization-detail',
        actions: ['subscribe'],
        topics: [{ match: '*' }],
      },
    ]);

    const stream = await subscribe(url, `match=${encodeURIComponent(TOPIC)}`, {
      authorization: `Bearer ${token}`,
    });
    try {
      const response = await publish(url, token, [
        ['topic', TOPIC],
        ['data', 'draft hello'],
        ['private', 'on'],
      ]);
      expect(response.status).toBe(200);
      const [event] = await stream.waitFor(1);
      expect(event?.data).toBe('draft hello');
    } finally {
      stream.close();
    }
    // Publishing elsewhere is not granted.
    const elsewhere = await publish(url, token, [['topic', 'https://example.com/other']]);
    expect(elsewhere.status).toBe(403);
  });

  it.each(['legacy', 'draft-08'] as const)('an expired %s token is refused by the hub', async (version) => {
    const { url } = await startHub();
    const token = await mintToken({
      key: SECRET,
      version,
      issuer: ISSUER,
      resource: RESOURCE,
      publish: ['*'],
      expiresInSec: 60,
      nowSec: Math.floor(Date.now() / 1000) - 120,
    });
    const response = await publish(url, token, [['topic', TOPIC]]);
    expect(response.status).toBe(401);
  });

  it('parses durations, and refuses tokens that never expire without the explicit flag', async () => {
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('7d')).toBe(604_800);
    expect(() => parseDuration('1 hour')).toThrow(/--expires-in/);

    const refused = await herald(['token', '--jwt-key', SECRET, '--publish', '*', '--expires-in', 'never']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--allow-no-expiry');
    expect(refused.stdout).toBe('');

    const allowed = await herald([
      'token',
      '--jwt-key',
      SECRET,
      '--publish',
      '*',
      '--expires-in',
      'never',
      '--allow-no-expiry',
    ]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(decodeJwt(allowed.stdout.trim()).exp).toBeUndefined();

    await expect(
      mintToken({
        key: SECRET,
        version: 'draft-08',
        issuer: ISSUER,
        resource: RESOURCE,
        publish: ['*'],
        expiresInSec: 'never',
      }),
    ).rejects.toThrow(/must expire/);
  }, 60_000);

  it('names what is missing: the key, the rights, the draft-08 issuer and resource', async () => {
    const noKey = await herald(['token', '--publish', '*'], { HERALD_JWT_KEY: '' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/--jwt-key.*HERALD_JWT_KEY/);
    await expect(mintToken({ key: SECRET })).rejects.toThrow(/--publish/);
    await expect(mintToken({ key: SECRET, version: 'draft-08', publish: ['*'] })).rejects.toThrow(/--issuer/);
  });
});

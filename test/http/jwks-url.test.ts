import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseServeConfig } from '../../src/cli/config.js';
import type { CreateHubOptions } from '../../src/http/index.js';
import { closeServer, listenOnLoopback } from '../support/listen.js';
import { hubPerTest, publish } from './helpers.js';

const TOPIC = 'https://example.com/jwks';

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

function signingKey(kid: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' } };
}

let serial = 0;
/** A fresh token each time (its own `jti`), so the hub's grant cache never answers for it. */
function tokenOf(key: SigningKey): Promise<string> {
  return new SignJWT({ mercure: { publish: ['*'] } })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid })
    .setJti(`t${++serial}`)
    .setIssuedAt()
    .sign(key.privateKey);
}

/** A JWKS endpoint on loopback serving `keys`, counting the requests. */
async function jwksServer(keys: SigningKey[]) {
  const state = { keys, requests: 0 };
  const server = createServer((_req, res) => {
    state.requests += 1;
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    res.end(JSON.stringify({ keys: state.keys.map((key) => key.jwk) }));
  });
  const port = await listenOnLoopback(server);
  return { state, url: `http://127.0.0.1:${port}/jwks.json`, close: () => closeServer(server) };
}

const publishWith = async (url: string, token: string) =>
  (
    await publish(url, token, [
      ['topic', TOPIC],
      ['data', 'x'],
    ])
  ).status;

/** Polls `check` every 25 ms until it holds, for at most `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 3_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('--jwks-url (remote JWK Set, real hub and JWKS server on loopback)', () => {
  const start = hubPerTest('memory');
  let closeJwks: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await closeJwks?.();
    closeJwks = undefined;
  });

  const startWith = async (keys: SigningKey[], jwt: CreateHubOptions['jwt']) => {
    const jwks = await jwksServer(keys);
    closeJwks = jwks.close;
    const hub = await start({ jwt: { ...jwt, jwksUrl: jwks.url } });
    return { jwks, hub };
  };

  it('follows a key rotation without a restart: new kid refetched at once, removed key refused once stale', async () => {
    const a = signingKey('key-a');
    const b = signingKey('key-b');
    const { jwks, hub } = await startWith([a], { jwks: { cacheMaxAgeMs: 300, cooldownMs: 50 } });

    expect(await publishWith(hub.url, await tokenOf(a))).toBe(200);
    expect(jwks.state.requests).toBe(1);

    // Rotation, step 1: B is published next to A; a token signed by B (unknown kid) prompts a refetch.
    jwks.state.keys = [a, b];
    await new Promise((resolve) => setTimeout(resolve, 60)); // past the cooldown since the first fetch
    expect(await publishWith(hub.url, await tokenOf(b))).toBe(200);
    expect(await publishWith(hub.url, await tokenOf(a))).toBe(200);

    // Step 2: A is withdrawn; once the cached set is older than cacheMaxAge, A's tokens are refused.
    jwks.state.keys = [b];
    expect(await eventually(async () => (await publishWith(hub.url, await tokenOf(a))) === 401)).toBe(true);
    expect(await publishWith(hub.url, await tokenOf(b))).toBe(200);
  });

  it('does not hammer the JWKS server with unknown kids: one refetch per cooldown', async () => {
    const a = signingKey('key-a');
    const stranger = signingKey('key-unknown');
    const { jwks, hub } = await startWith([a], { jwks: { cacheMaxAgeMs: 60_000, cooldownMs: 60_000 } });
    expect(await publishWith(hub.url, await tokenOf(a))).toBe(200);
    expect(jwks.state.requests).toBe(1);

    const statuses = [];
    for (let i = 0; i < 20; i += 1) statuses.push(await publishWith(hub.url, await tokenOf(stranger)));
    expect(statuses.every((status) => status === 401)).toBe(true);
    // Within the cooldown of the first fetch, no unknown kid makes the hub fetch again.
    expect(jwks.state.requests).toBe(1);
  });

  it('adds to the static key of the role: both the HMAC key and the remote set verify', async () => {
    const a = signingKey('key-a');
    const secret = 'static-secret-with-enough-bytes-0123456789';
    const { hub } = await startWith([a], { key: { type: 'hmac', secret } });
    const hmacToken = await new SignJWT({ mercure: { publish: ['*'] } })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(secret));
    expect(await publishWith(hub.url, hmacToken)).toBe(200);
    expect(await publishWith(hub.url, await tokenOf(a))).toBe(200);
  });
});

describe('--jwks-url, --publisher-jwks-url, --subscriber-jwks-url (configuration)', () => {
  it('reads the flags and the environment, Mercure names included', () => {
    const config = parseServeConfig(['--jwks-url', 'https://idp.example/jwks.json'], {
      MERCURE_PUBLISHER_JWKS_URL: 'https://pub.example/jwks.json',
      HERALD_SUBSCRIBER_JWKS_URL: 'http://127.0.0.1:8080/jwks.json',
    });
    expect(config.jwksUrl).toBe('https://idp.example/jwks.json');
    expect(config.publisherJwksUrl).toBe('https://pub.example/jwks.json');
    expect(config.subscriberJwksUrl).toBe('http://127.0.0.1:8080/jwks.json');
    expect(parseServeConfig([], { HERALD_JWKS_URL: 'http://localhost/k' }).jwksUrl).toBe(
      'http://localhost/k',
    );
  });

  it('requires https:, except http: to a loopback host, naming the flag', () => {
    expect(() => parseServeConfig(['--jwks-url', 'http://idp.example/jwks.json'], {})).toThrow(
      /--jwks-url must be an https: URL/,
    );
    expect(() => parseServeConfig([], { HERALD_PUBLISHER_JWKS_URL: 'ftp://x/jwks' })).toThrow(
      /--publisher-jwks-url/,
    );
    expect(() => parseServeConfig(['--subscriber-jwks-url', 'not a url'], {})).toThrow(ConfigError);
    expect(parseServeConfig(['--jwks-url', 'http://[::1]:9/k'], {}).jwksUrl).toBe('http://[::1]:9/k');
  });
});

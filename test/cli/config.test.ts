import { describe, expect, it } from 'vitest';
import { ConfigError, keySpecOf, parseServeConfig } from '../../src/cli/config.js';

describe('herald serve configuration', () => {
  it('defaults to port 3000 and the embedded SQLite store', () => {
    const config = parseServeConfig([], {});
    expect(config).toMatchObject({ port: 3000, store: 'sqlite:./herald.db', anonymous: false, demo: false });
    expect(config.authorizationServers).toEqual([]);
  });

  it('refuses demo mode in a production configuration, and keeps the demo on loopback by default', () => {
    expect(() => parseServeConfig(['--demo'], { NODE_ENV: 'production' })).toThrow(
      /--demo is refused when NODE_ENV=production/,
    );
    expect(() => parseServeConfig([], { HERALD_DEMO: 'true', NODE_ENV: 'production' })).toThrow(ConfigError);
    const demo = parseServeConfig(['--demo'], {});
    expect(demo).toMatchObject({
      demo: true,
      host: '127.0.0.1',
      subscriptions: true,
      historyMaxEvents: 100_000,
    });
    expect(parseServeConfig([], {}).historyMaxEvents).toBeUndefined();
  });

  it('reads flags before HERALD_* variables, and Mercure names where Mercure has one', () => {
    const config = parseServeConfig(['--port', '4000'], {
      HERALD_PORT: '5000',
      MERCURE_PUBLISHER_JWT_KEY: 'pub-secret',
      MERCURE_CORS_ORIGINS: 'https://a.example https://b.example',
      HERALD_ANONYMOUS: 'true',
    });
    expect(config.port).toBe(4000);
    expect(config.publisherJwtKey).toBe('pub-secret');
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.anonymous).toBe(true);
  });

  it('takes repeatable authorization servers for the protected resource metadata', () => {
    const fromFlags = parseServeConfig(
      ['--authorization-server', 'https://as1.example', '--authorization-server', 'https://as2.example'],
      {},
    );
    expect(fromFlags.authorizationServers).toEqual(['https://as1.example', 'https://as2.example']);
    const fromEnv = parseServeConfig([], { HERALD_AUTHORIZATION_SERVERS: 'https://as.example' });
    expect(fromEnv.authorizationServers).toEqual(['https://as.example']);
  });

  it('refuses --resource without --issuer, naming the flag: draft-08 tokens must carry a trusted iss', () => {
    expect(() => parseServeConfig(['--resource', 'https://hub.example/.well-known/mercure'], {})).toThrow(
      /--resource \(HERALD_RESOURCE\) needs --issuer \(HERALD_ISSUER\)/,
    );
    expect(() =>
      parseServeConfig([], { HERALD_RESOURCE: 'https://hub.example/.well-known/mercure' }),
    ).toThrow(ConfigError);
    const config = parseServeConfig(['--resource', 'https://hub.example/.well-known/mercure'], {
      HERALD_ISSUER: 'https://app.example',
    });
    expect(config).toMatchObject({
      resource: 'https://hub.example/.well-known/mercure',
      issuer: 'https://app.example',
    });
    // 0.x only (no --resource): no issuer needed, as before.
    expect(parseServeConfig([], {}).issuer).toBeUndefined();
  });

  it('requires exp in tokens only when asked: --require-exp or HERALD_REQUIRE_EXP, off by default', () => {
    expect(parseServeConfig([], {}).requireExp).toBe(false);
    expect(parseServeConfig(['--require-exp'], {}).requireExp).toBe(true);
    expect(parseServeConfig([], { HERALD_REQUIRE_EXP: 'true' }).requireExp).toBe(true);
    expect(parseServeConfig([], { HERALD_REQUIRE_EXP: '0' }).requireExp).toBe(false);
  });

  it('takes the SSE flush window from --flush-delay-ms or HERALD_FLUSH_DELAY_MS, unset by default', () => {
    expect(parseServeConfig([], {}).flushDelayMs).toBeUndefined();
    expect(parseServeConfig(['--flush-delay-ms', '5'], { HERALD_FLUSH_DELAY_MS: '2' }).flushDelayMs).toBe(5);
    expect(parseServeConfig([], { HERALD_FLUSH_DELAY_MS: '2' }).flushDelayMs).toBe(2);
    expect(() => parseServeConfig(['--flush-delay-ms', '1.5'], {})).toThrow(ConfigError);
  });

  it('takes the retention policy and the SQLite durability level', () => {
    const config = parseServeConfig(['--history-max-events', '5000', '--sqlite-synchronous', 'normal'], {
      HERALD_HISTORY_MAX_AGE_MS: '86400000',
    });
    expect(config).toMatchObject({
      historyMaxEvents: 5000,
      historyMaxAgeMs: 86_400_000,
      sqliteSynchronous: 'NORMAL',
    });
    expect(() => parseServeConfig(['--sqlite-synchronous', 'OFF'], {})).toThrow(/--sqlite-synchronous/);
  });

  it('refuses a non-numeric port with a message naming the flag', () => {
    expect(() => parseServeConfig(['--port', '80a'], {})).toThrow(ConfigError);
    expect(() => parseServeConfig(['--port', '80a'], {})).toThrow(/--port/);
  });

  it('reads a key as a PEM file, a JWKS file, an inline PEM or an HMAC secret', () => {
    expect(keySpecOf('@keys/public.pem')).toEqual({ type: 'pem-file', path: 'keys/public.pem' });
    expect(keySpecOf('@keys/jwks.json')).toEqual({ type: 'jwks-file', path: 'keys/jwks.json' });
    expect(keySpecOf('-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----')).toMatchObject({
      type: 'pem',
    });
    expect(keySpecOf('secret')).toEqual({ type: 'hmac', secret: 'secret' });
  });
});

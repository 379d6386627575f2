import type { JwtOptions, ReloadableHttpOptions } from '../http/index.js';
import { loadKey } from '../hub/index.js';
import { ConfigError, keySpecOf, type ServeConfig } from './config.js';

/**
 * What `herald serve`'s configuration gives `createHub`, in the two parts a reload (SIGHUP) gives
 * `HeraldHub.reconfigure` again: the token verification and the options that change at run time.
 */

export function jwtOptionsOf(config: ServeConfig): JwtOptions {
  return {
    key: keySpecOf(config.jwtKey),
    publisherKey: keySpecOf(config.publisherJwtKey),
    subscriberKey: keySpecOf(config.subscriberJwtKey),
    jwksUrl: config.jwksUrl,
    publisherJwksUrl: config.publisherJwksUrl,
    subscriberJwksUrl: config.subscriberJwksUrl,
    algorithms: config.jwtAlgorithms,
    resource: config.resource,
    issuer: config.issuer,
    requireExp: config.requireExp,
  };
}

/** Every run-time option the CLI sets; `undefined` is the option's default, at start as on a reload. */
export function reloadableOptionsOf(config: ServeConfig): Partial<ReloadableHttpOptions> {
  return {
    allowAnonymous: config.anonymous,
    corsOrigins: config.corsOrigins,
    maxBodyBytes: config.maxBodyBytes,
    maxConnections: config.maxConnections,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    trustProxy: config.trustProxy,
    publishRate: config.publishRate,
    publishBurst: config.publishBurst,
    heartbeatMs: config.heartbeatMs,
    flushDelayMs: config.flushDelayMs,
    maxConnectionLifetimeMs: config.maxConnectionLifetimeMs,
    accessLog: config.accessLog,
  };
}

/**
 * Loads each configured key once, so that an unusable one is reported naming its option (and its
 * file, for `@path`) before the hub starts or a reload applies anything. Messages never hold key
 * material.
 */
export function checkKeys(config: ServeConfig): void {
  const keys = [
    ['jwt-key', config.jwtKey],
    ['publisher-jwt-key', config.publisherJwtKey],
    ['subscriber-jwt-key', config.subscriberJwtKey],
  ] as const;
  for (const [flag, value] of keys) {
    const spec = keySpecOf(value);
    if (spec === undefined) continue;
    try {
      loadKey(spec);
    } catch (error) {
      const file = 'path' in spec ? ` (${spec.path})` : '';
      throw new ConfigError(`--${flag}${file}: ${keyErrorText(error)}`);
    }
  }
}

/** A file's absence says so; a parse error says what is wrong, not what the file holds. */
function keyErrorText(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('E')) return `cannot read the file (${code})`;
  return (error as Error).message;
}

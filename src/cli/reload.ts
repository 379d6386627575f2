/**
 * `herald serve` on SIGHUP: reads the configuration again (flags, environment, the `--config`
 * file, and the files it names: keys, certificate) and applies what can change while the hub runs,
 * without closing an open stream. All or nothing: a configuration with an error is refused as a
 * whole, the running one kept. A change that needs a restart (the port, the store…) is logged as
 * such and not applied, the rest is.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { type HeraldHub, type HubServer, loadTlsCredentials, type TlsCredentials } from '../http/index.js';
import { parseServeConfig, type ServeConfig } from './config.js';
import { checkKeys, jwtOptionsOf, reloadableOptionsOf } from './hub-options.js';

/** Each setting's option name, for the log (a new setting without one is a type error). */
const OPTION_NAMES: Record<keyof ServeConfig, string> = {
  port: 'port',
  host: 'host',
  store: 'store',
  jwtKey: 'jwt-key',
  publisherJwtKey: 'publisher-jwt-key',
  subscriberJwtKey: 'subscriber-jwt-key',
  jwksUrl: 'jwks-url',
  publisherJwksUrl: 'publisher-jwks-url',
  subscriberJwksUrl: 'subscriber-jwks-url',
  jwtAlgorithms: 'jwt-alg',
  anonymous: 'anonymous',
  corsOrigins: 'cors-origin',
  resource: 'resource',
  issuer: 'issuer',
  requireExp: 'require-exp',
  hubUrl: 'hub-url',
  maxBodyBytes: 'max-body-bytes',
  maxConnections: 'max-connections',
  maxConnectionsPerIp: 'max-connections-per-ip',
  trustProxy: 'trust-proxy',
  publishRate: 'publish-rate',
  publishBurst: 'publish-burst',
  heartbeatMs: 'heartbeat-ms',
  flushDelayMs: 'flush-delay-ms',
  maxConnectionLifetimeMs: 'max-connection-lifetime',
  accessLog: 'access-log',
  subscriptions: 'subscriptions',
  demo: 'demo',
  logLevel: 'log-level',
  tlsCert: 'tls-cert',
  tlsKey: 'tls-key',
  authorizationServers: 'authorization-server',
  historyMaxEvents: 'history-max-events',
  historyMaxAgeMs: 'history-max-age-ms',
  sqliteSynchronous: 'sqlite-synchronous',
  redisKeyPrefix: 'redis-key-prefix',
  workers: 'workers',
  adminPort: 'admin-port',
  adminHost: 'admin-host',
  publicMetrics: 'public-metrics',
  configFile: 'config',
};

/** What a reload applies. The rest (listeners, store, retention, draft-08 identity, demo…) needs a restart. */
export const RELOADABLE_SETTINGS: ReadonlySet<keyof ServeConfig> = new Set<keyof ServeConfig>([
  'jwtKey',
  'publisherJwtKey',
  'subscriberJwtKey',
  'jwksUrl',
  'publisherJwksUrl',
  'subscriberJwksUrl',
  'jwtAlgorithms',
  'requireExp',
  'anonymous',
  'corsOrigins',
  'maxBodyBytes',
  'maxConnections',
  'maxConnectionsPerIp',
  'trustProxy',
  'publishRate',
  'publishBurst',
  'heartbeatMs',
  'flushDelayMs',
  'maxConnectionLifetimeMs',
  'accessLog',
  'logLevel',
  'tlsCert',
  'tlsKey',
]);

/** The option names of the reloadable settings, for the help and the docs. */
export const RELOADABLE_OPTIONS: readonly string[] = [...RELOADABLE_SETTINGS].map((key) => OPTION_NAMES[key]);

/** Settings whose value names a file (or holds key material): compared by a digest of the content. */
const KEY_MATERIAL = new Set<keyof ServeConfig>([
  'jwtKey',
  'publisherJwtKey',
  'subscriberJwtKey',
  'tlsCert',
  'tlsKey',
]);

/** Each setting as a text to compare: key material and files as a digest, never kept in clear. */
type Fingerprint = Record<keyof ServeConfig, string>;

function fingerprintOf(config: ServeConfig): Fingerprint {
  const print = {} as Fingerprint;
  for (const key of Object.keys(OPTION_NAMES) as (keyof ServeConfig)[]) {
    const value = config[key];
    print[key] = KEY_MATERIAL.has(key) ? digestOf(key, value as string | undefined) : JSON.stringify(value);
  }
  return print;
}

/** A key flag's text and, for `@path` and the TLS files, the file's content. */
function digestOf(key: keyof ServeConfig, value: string | undefined): string {
  if (value === undefined) return 'none';
  const hash = createHash('sha256').update(value);
  const path =
    key === 'tlsCert' || key === 'tlsKey' ? value : value.startsWith('@') ? value.slice(1) : undefined;
  if (path !== undefined) {
    try {
      hash.update(readFileSync(path));
    } catch (error) {
      // Unreadable: reported when the key or certificate is loaded.
      hash.update(String((error as { code?: unknown }).code));
    }
  }
  return hash.digest('hex');
}

export interface ReloadTarget {
  herald: HeraldHub;
  hubServer: HubServer;
  logger: Logger;
  /** Added to the log lines: the worker's number with `--workers`. */
  worker: number | undefined;
}

/** Holds the configuration in force and applies a new one on `reload()`. */
export class ConfigReloader {
  readonly #argv: string[];
  readonly #env: NodeJS.ProcessEnv;
  readonly #target: ReloadTarget;
  #config: ServeConfig;
  #fingerprint: Fingerprint;

  constructor(argv: string[], env: NodeJS.ProcessEnv, config: ServeConfig, target: ReloadTarget) {
    this.#argv = argv;
    this.#env = env;
    this.#config = config;
    this.#fingerprint = fingerprintOf(config);
    this.#target = target;
  }

  /** The configuration in force. */
  get config(): ServeConfig {
    return this.#config;
  }

  /**
   * Reads and applies the configuration; logs one line (what changed, by name only; or why it was
   * refused) and counts it in `herald_config_reloads_total`. Synchronous: two signals never
   * interleave two reloads.
   */
  reload(): void {
    const { herald, logger, worker } = this.#target;
    try {
      const applied = this.#apply(parseServeConfig(this.#argv, this.#env));
      herald.metrics.configReloads.inc({ result: 'ok' });
      if (applied.needsRestart.length === 0) {
        logger.info({ worker, changed: applied.changed }, 'configuration reloaded');
      } else {
        logger.warn(
          { worker, changed: applied.changed, needsRestart: applied.needsRestart },
          `configuration reloaded; not applied until a restart: ${applied.needsRestart.join(', ')}`,
        );
      }
    } catch (error) {
      herald.metrics.configReloads.inc({ result: 'error' });
      logger.error(
        { worker },
        `configuration reload refused, the running configuration is kept: ${(error as Error).message}`,
      );
    }
  }

  #apply(read: ServeConfig): { changed: string[]; needsRestart: string[] } {
    const old = this.#config;
    const readPrint = fingerprintOf(read);
    const changedKeys = (Object.keys(readPrint) as (keyof ServeConfig)[]).filter(
      (key) => readPrint[key] !== this.#fingerprint[key],
    );
    const restartKeys = changedKeys.filter((key) => !RELOADABLE_SETTINGS.has(key));
    // A reloadable value whose change of kind is not: TLS on or off (another server).
    if ((old.tlsCert === undefined) !== (read.tlsCert === undefined)) restartKeys.push('tlsCert', 'tlsKey');
    const keep = new Set(restartKeys);
    const next = { ...read };
    const nextPrint = { ...readPrint };
    for (const key of keep) {
      (next as unknown as Record<string, unknown>)[key] = old[key];
      nextPrint[key] = this.#fingerprint[key];
    }
    // Everything that can fail, before anything is applied.
    checkKeys(next);
    const tls: TlsCredentials | undefined =
      next.tlsCert !== undefined && next.tlsKey !== undefined
        ? loadTlsCredentials({ certPath: next.tlsCert, keyPath: next.tlsKey })
        : undefined;
    this.#target.herald.reconfigure({ jwt: jwtOptionsOf(next), options: reloadableOptionsOf(next) });
    if (tls !== undefined && this.#target.hubServer.isSecure) this.#target.hubServer.setTlsCredentials(tls);
    this.#target.logger.level = next.logLevel;
    this.#config = next;
    this.#fingerprint = nextPrint;
    const name = (key: keyof ServeConfig) => OPTION_NAMES[key];
    return {
      changed: changedKeys.filter((key) => !keep.has(key)).map(name),
      needsRestart: [...keep].filter((key) => changedKeys.includes(key)).map(name),
    };
  }
}

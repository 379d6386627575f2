import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { trustedProxiesOf } from '../http/index.js';
import type { KeySpec } from '../hub/index.js';
import { parseStoreUrl } from '../store/index.js';

export interface ServeConfig {
  port: number;
  host: string | undefined;
  store: string;
  jwtKey: string | undefined;
  publisherJwtKey: string | undefined;
  subscriberJwtKey: string | undefined;
  /** JWK Set URLs: both roles, then per role (which replaces the shared one for that role). */
  jwksUrl: string | undefined;
  publisherJwksUrl: string | undefined;
  subscriberJwksUrl: string | undefined;
  jwtAlgorithms: string[] | undefined;
  anonymous: boolean;
  corsOrigins: string[];
  resource: string | undefined;
  issuer: string | undefined;
  /** Refuse tokens without `exp` (0.x allows them; draft-08 tokens always need one). */
  requireExp: boolean;
  hubUrl: string | undefined;
  maxBodyBytes: number | undefined;
  maxConnections: number | undefined;
  maxConnectionsPerIp: number | undefined;
  /** Trusted proxies (addresses, CIDRs, `loopback`) whose `Forwarded` / `X-Forwarded-For` name the client. */
  trustProxy: string[];
  /** Publishes per second per token subject and per client address (0: no limit), and the burst. */
  publishRate: number;
  publishBurst: number | undefined;
  heartbeatMs: number | undefined;
  /** SSE coalescing window (`createHub({ flushDelayMs })`): fewer writes, up to this much latency. */
  flushDelayMs: number | undefined;
  /** Event streams end after this long (+ up to 10% jitter), the client resuming; undefined: never. */
  maxConnectionLifetimeMs: number | undefined;
  /** One log line per finished request (no query string, no credentials). */
  accessLog: boolean;
  subscriptions: boolean;
  /** Local demo: page at `/`, demo tokens, anonymous subscribers; loopback by default. */
  demo: boolean;
  logLevel: string;
  /** PEM certificate and key files: serve HTTP/2 and HTTP/1.1 over TLS (both or neither). */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** Advertised in the protected resource metadata (draft-08 discovery). */
  authorizationServers: string[];
  /** Retention: keep at most this many events / drop events older than this (undefined: store default). */
  historyMaxEvents: number | undefined;
  historyMaxAgeMs: number | undefined;
  /** SQLite durability: `FULL` (default, survives power loss) or `NORMAL` (survives a crash of the process). */
  sqliteSynchronous: 'FULL' | 'NORMAL' | undefined;
  /** Redis only: the prefix of every key (default `herald:`), so several hubs can share a database. */
  redisKeyPrefix: string | undefined;
  /**
   * Hub processes serving the port (`node:cluster`): 1 serves in this process; more fork that
   * many workers, each a full hub on the same store, which must then be Redis.
   */
  workers: number;
  /** The admin listener (`/healthz`, `/readyz`, `/metrics`): its port, none when undefined. */
  adminPort: number | undefined;
  /** Its address (default 127.0.0.1). */
  adminHost: string;
  /** With an admin port, keep serving those three on the public port too. */
  publicMetrics: boolean;
  /** The JSON file of options (`--config`) read at start and again on SIGHUP; undefined: none. */
  configFile: string | undefined;
}

/** Each flag's environment variables: ours first, then Mercure's name where one exists. */
export const SERVE_ENV: Record<string, string[]> = {
  port: ['HERALD_PORT', 'PORT'],
  host: ['HERALD_HOST'],
  store: ['HERALD_STORE'],
  'jwt-key': ['HERALD_JWT_KEY', 'MERCURE_JWT_KEY', 'JWT_KEY'],
  'publisher-jwt-key': ['HERALD_PUBLISHER_JWT_KEY', 'MERCURE_PUBLISHER_JWT_KEY', 'PUBLISHER_JWT_KEY'],
  'subscriber-jwt-key': ['HERALD_SUBSCRIBER_JWT_KEY', 'MERCURE_SUBSCRIBER_JWT_KEY', 'SUBSCRIBER_JWT_KEY'],
  'jwks-url': ['HERALD_JWKS_URL'],
  'publisher-jwks-url': ['HERALD_PUBLISHER_JWKS_URL', 'MERCURE_PUBLISHER_JWKS_URL'],
  'subscriber-jwks-url': ['HERALD_SUBSCRIBER_JWKS_URL', 'MERCURE_SUBSCRIBER_JWKS_URL'],
  'jwt-alg': ['HERALD_JWT_ALG', 'MERCURE_PUBLISHER_JWT_ALG', 'MERCURE_SUBSCRIBER_JWT_ALG', 'JWT_ALGORITHM'],
  anonymous: ['HERALD_ANONYMOUS', 'MERCURE_ANONYMOUS'],
  'cors-origin': ['HERALD_CORS_ORIGINS', 'MERCURE_CORS_ORIGINS', 'CORS_ALLOWED_ORIGINS'],
  resource: ['HERALD_RESOURCE'],
  issuer: ['HERALD_ISSUER'],
  'require-exp': ['HERALD_REQUIRE_EXP'],
  'hub-url': ['HERALD_HUB_URL'],
  'max-body-bytes': ['HERALD_MAX_BODY_BYTES'],
  'max-connections': ['HERALD_MAX_CONNECTIONS'],
  'max-connections-per-ip': ['HERALD_MAX_CONNECTIONS_PER_IP'],
  'trust-proxy': ['HERALD_TRUST_PROXY'],
  'publish-rate': ['HERALD_PUBLISH_RATE'],
  'publish-burst': ['HERALD_PUBLISH_BURST'],
  'heartbeat-ms': ['HERALD_HEARTBEAT_MS', 'HEARTBEAT_INTERVAL'],
  'flush-delay-ms': ['HERALD_FLUSH_DELAY_MS'],
  'max-connection-lifetime': ['HERALD_MAX_CONNECTION_LIFETIME_MS'],
  'access-log': ['HERALD_ACCESS_LOG'],
  subscriptions: ['HERALD_SUBSCRIPTIONS', 'MERCURE_SUBSCRIPTIONS'],
  'log-level': ['HERALD_LOG_LEVEL', 'LOG_LEVEL'],
  'tls-cert': ['HERALD_TLS_CERT'],
  'tls-key': ['HERALD_TLS_KEY'],
  demo: ['HERALD_DEMO'],
  'authorization-server': ['HERALD_AUTHORIZATION_SERVERS'],
  'history-max-events': ['HERALD_HISTORY_MAX_EVENTS'],
  'history-max-age-ms': ['HERALD_HISTORY_MAX_AGE_MS'],
  'sqlite-synchronous': ['HERALD_SQLITE_SYNCHRONOUS'],
  'redis-key-prefix': ['HERALD_REDIS_KEY_PREFIX'],
  workers: ['HERALD_WORKERS'],
  'admin-port': ['HERALD_ADMIN_PORT'],
  'admin-host': ['HERALD_ADMIN_HOST'],
  'public-metrics': ['HERALD_PUBLIC_METRICS'],
  config: ['HERALD_CONFIG'],
};

/** `herald serve`'s flags: the parser's table, which `herald serve --help` lists too. */
export const SERVE_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  store: { type: 'string' },
  'jwt-key': { type: 'string' },
  'publisher-jwt-key': { type: 'string' },
  'subscriber-jwt-key': { type: 'string' },
  'jwks-url': { type: 'string' },
  'publisher-jwks-url': { type: 'string' },
  'subscriber-jwks-url': { type: 'string' },
  'jwt-alg': { type: 'string', multiple: true },
  anonymous: { type: 'boolean' },
  'cors-origin': { type: 'string', multiple: true },
  resource: { type: 'string' },
  issuer: { type: 'string' },
  'require-exp': { type: 'boolean' },
  'hub-url': { type: 'string' },
  'max-body-bytes': { type: 'string' },
  'max-connections': { type: 'string' },
  'max-connections-per-ip': { type: 'string' },
  'trust-proxy': { type: 'string', multiple: true },
  'publish-rate': { type: 'string' },
  'publish-burst': { type: 'string' },
  'heartbeat-ms': { type: 'string' },
  'flush-delay-ms': { type: 'string' },
  'max-connection-lifetime': { type: 'string' },
  'access-log': { type: 'boolean' },
  subscriptions: { type: 'boolean' },
  'log-level': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  demo: { type: 'boolean' },
  'authorization-server': { type: 'string', multiple: true },
  'history-max-events': { type: 'string' },
  'history-max-age-ms': { type: 'string' },
  'sqlite-synchronous': { type: 'string' },
  'redis-key-prefix': { type: 'string' },
  workers: { type: 'string' },
  'admin-port': { type: 'string' },
  'admin-host': { type: 'string' },
  'public-metrics': { type: 'boolean' },
  config: { type: 'string' },
} as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
}

function fromEnv(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const key of SERVE_ENV[name] ?? []) {
    const value = env[key];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

function integer(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[0-9]+$/.test(raw)) throw new ConfigError(`--${name} must be a non-negative integer`);
  return Number(raw);
}

const isTrue = (raw: string | undefined) => raw !== undefined && /^(1|true|yes|on)$/i.test(raw);

/**
 * `herald serve`'s configuration: each option from its flag, else its environment variables, else
 * the `--config` file, else its default. The file is read here, so that a reload (SIGHUP) is this
 * same call: one parser and the same messages for every source.
 */
export function parseServeConfig(argv: string[], env: NodeJS.ProcessEnv): ServeConfig {
  const { values } = parseArgs({
    args: argv,
    options: SERVE_OPTIONS,
    strict: true,
  });
  const configFile = typeof values.config === 'string' ? values.config : fromEnv('config', env);
  const file = configFile === undefined ? {} : readConfigFile(configFile);
  const get = (name: keyof typeof values & string) => {
    const value = values[name];
    if (typeof value === 'string') return value;
    const fromFile = file[name];
    return fromEnv(name, env) ?? (typeof fromFile === 'string' ? fromFile : undefined);
  };
  const list = (name: 'cors-origin' | 'jwt-alg' | 'authorization-server' | 'trust-proxy') => {
    const fromFile = file[name];
    return (
      (values[name] as string[] | undefined) ??
      splitList(fromEnv(name, env)) ??
      (typeof fromFile === 'string' ? splitList(fromFile) : Array.isArray(fromFile) ? fromFile : undefined)
    );
  };
  /** A boolean flag: given, true; else its variable (true, 1, yes, on); else the file's. */
  const flag = (
    name: 'anonymous' | 'demo' | 'access-log' | 'subscriptions' | 'public-metrics' | 'require-exp',
  ) => {
    const raw = fromEnv(name, env);
    const fromFile = file[name];
    return values[name] ?? (raw === undefined ? fromFile === true : isTrue(raw));
  };
  const demo = flag('demo');
  // The demo mints publishing tokens for anyone who can reach it: never in a production setup.
  if (demo && env.NODE_ENV === 'production') {
    throw new ConfigError(
      '--demo is refused when NODE_ENV=production: it hands out publishing tokens to anyone',
    );
  }
  const { resource, issuer } = draftTokenTrust(get('resource'), get('issuer'));
  // The embedded default, demo or not: the demo shows history and replay surviving a restart.
  const store = get('store') ?? 'sqlite:./herald.db';
  const workers = workersOf(get('workers'));
  checkWorkers(workers, store, demo);
  return {
    port: integer('port', get('port')) ?? 3000,
    // The demo hands out publishing tokens: only this machine may reach it unless --host says otherwise.
    host: get('host') ?? (demo ? '127.0.0.1' : undefined),
    store,
    jwtKey: get('jwt-key'),
    publisherJwtKey: get('publisher-jwt-key'),
    subscriberJwtKey: get('subscriber-jwt-key'),
    jwksUrl: jwksUrlOf('jwks-url', get('jwks-url')),
    publisherJwksUrl: jwksUrlOf('publisher-jwks-url', get('publisher-jwks-url')),
    subscriberJwksUrl: jwksUrlOf('subscriber-jwks-url', get('subscriber-jwks-url')),
    jwtAlgorithms: list('jwt-alg'),
    anonymous: flag('anonymous'),
    corsOrigins: list('cors-origin') ?? [],
    resource,
    issuer,
    requireExp: flag('require-exp'),
    hubUrl: get('hub-url'),
    maxBodyBytes: integer('max-body-bytes', get('max-body-bytes')),
    maxConnections: integer('max-connections', get('max-connections')),
    maxConnectionsPerIp: integer('max-connections-per-ip', get('max-connections-per-ip')),
    trustProxy: trustProxyOf(list('trust-proxy')),
    ...publishRateOf(get('publish-rate'), get('publish-burst')),
    heartbeatMs: integer('heartbeat-ms', get('heartbeat-ms')),
    flushDelayMs: integer('flush-delay-ms', get('flush-delay-ms')),
    maxConnectionLifetimeMs: integer('max-connection-lifetime', get('max-connection-lifetime')),
    accessLog: flag('access-log'),
    // The chat card shows presence through the subscriptions API.
    subscriptions: flag('subscriptions') || demo,
    demo,
    authorizationServers: list('authorization-server') ?? [],
    // The demo's ticker publishes 10 prices a second: keep about three hours of them, not forever.
    historyMaxEvents:
      integer('history-max-events', get('history-max-events')) ?? (demo ? 100_000 : undefined),
    historyMaxAgeMs: integer('history-max-age-ms', get('history-max-age-ms')),
    sqliteSynchronous: synchronousOf(get('sqlite-synchronous')),
    redisKeyPrefix: redisKeyPrefixOf(get('redis-key-prefix')),
    workers,
    adminPort: integer('admin-port', get('admin-port')),
    adminHost: get('admin-host') ?? '127.0.0.1',
    publicMetrics: flag('public-metrics'),
    logLevel: logLevelOf(get('log-level')),
    ...tlsFiles(get('tls-cert'), get('tls-key')),
    configFile,
  };
}

/** An environment variable's list: comma- or space-separated. */
function splitList(raw: string | undefined): string[] | undefined {
  return raw?.split(/[\s,]+/).filter(Boolean);
}

/** A `--config` file's values, as parseArgs gives a flag's: text, `true`/`false`, or a list of texts. */
type ConfigFileValues = Partial<Record<keyof typeof SERVE_OPTIONS, string | boolean | string[]>>;

/**
 * Reads a `--config` file: one JSON object whose keys are the long flags' names
 * (`{"max-connections-per-ip": 100, "jwt-key": "@/etc/herald/key.pem"}`). A number is taken as
 * its text, so that the flags' own checks (and messages) apply; a list option takes an array of
 * texts or one text split as its environment variable is. Unknown names and wrong types are
 * refused, naming the file and the option.
 */
export function readConfigFile(path: string): ConfigFileValues {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`--config: cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // Only where: newer engines quote the text around the error, which may be a secret.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    const where = at === undefined ? '' : ` (${lineAndColumn(text, Number(at))})`;
    throw new ConfigError(`--config ${path}: not valid JSON${where}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`--config ${path}: must hold one JSON object of options ({"port": 3000, ...})`);
  }
  const values: ConfigFileValues = {};
  const options: Readonly<Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>> = SERVE_OPTIONS;
  for (const [name, value] of Object.entries(parsed)) {
    const option = options[name];
    const where = `--config ${path}: "${name}"`;
    if (option === undefined || name === 'config') {
      throw new ConfigError(`${where} is not an option of herald serve (see herald serve --help)`);
    }
    const key = name as keyof typeof SERVE_OPTIONS;
    if (option.type === 'boolean') {
      if (typeof value !== 'boolean') throw new ConfigError(`${where} must be true or false`);
      values[key] = value;
    } else if (option.multiple === true && Array.isArray(value)) {
      if (!value.every((entry) => typeof entry === 'string')) {
        throw new ConfigError(`${where} must be a text or an array of texts`);
      }
      values[key] = value;
    } else if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) {
      values[key] = String(value);
    } else {
      throw new ConfigError(
        `${where} must be ${option.multiple === true ? 'a text or an array of texts' : 'a text or a number'}`,
      );
    }
  }
  return values;
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function logLevelOf(raw: string | undefined): string {
  const level = raw ?? 'info';
  if (!LOG_LEVELS.includes(level)) {
    throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(raw)}`);
  }
  return level;
}

/**
 * `--resource` turns draft-08 tokens on, and the spec binds every trusted key to an issuer whose
 * identifier the tokens carry in `iss` (draft-08 §Token Validation): without `--issuer` no draft-08
 * token could pass, so the hub refuses to start rather than refuse every token at run time.
 */
function draftTokenTrust(resource: string | undefined, issuer: string | undefined) {
  if (resource !== undefined && issuer === undefined) {
    throw new ConfigError(
      '--resource (HERALD_RESOURCE) needs --issuer (HERALD_ISSUER): the issuer identifier that draft-08 tokens signed with the JWT key(s) carry in "iss"',
    );
  }
  return { resource, issuer };
}

const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * A JWK Set URL: `https:`, or `http:` to a loopback host only (keys fetched in clear text over a
 * network could be swapped by anyone on the path, and then any token would pass).
 */
function jwksUrlOf(flag: string, raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`--${flag} must be an absolute https: URL`);
  }
  const loopback =
    url.hostname === 'localhost' || url.hostname === '[::1]' || IPV4_LOOPBACK.test(url.hostname);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return url.href;
  throw new ConfigError(`--${flag} must be an https: URL (http: only for localhost, 127.0.0.0/8 or [::1])`);
}

function tlsFiles(cert: string | undefined, key: string | undefined) {
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key go together: give both files or neither');
  }
  return { tlsCert: cert, tlsKey: key };
}

/** Workers are forked by the primary process; past this many, a typo is likelier than a machine. */
export const MAX_WORKERS = 64;

/** `--workers`: an integer from 1 to MAX_WORKERS, or `auto` (the CPUs this process may use). */
function workersOf(raw: string | undefined): number {
  if (raw === undefined) return 1;
  if (raw === 'auto') return Math.min(availableParallelism(), MAX_WORKERS);
  const count = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(count >= 1 && count <= MAX_WORKERS)) {
    throw new ConfigError(
      `--workers (HERALD_WORKERS) must be an integer from 1 to ${MAX_WORKERS}, or auto; got ${JSON.stringify(raw)}`,
    );
  }
  return count;
}

/**
 * Several workers are several hub processes behind one port: a load balancer in front of them
 * sends each request to any of them, so they must share the history and the live fan-out. Only
 * Redis gives both (one stream, tailed by every process); the other stores are refused, saying why.
 */
function checkWorkers(workers: number, store: string, demo: boolean): void {
  if (workers <= 1) return;
  // An unknown URL is reported by openStore, as it is for one process.
  let kind: string;
  try {
    kind = parseStoreUrl(store).kind;
  } catch {
    return;
  }
  const flag = `--workers ${workers}`;
  const useRedis =
    'Use --store redis://HOST:PORT/DB, which every worker shares (history and live delivery), or --workers 1';
  if (kind === 'memory') {
    throw new ConfigError(
      `${flag} is refused with the memory store: each worker process would keep its own history, so a subscriber would miss what is published through another worker and a reconnection would replay another history. ${useRedis}`,
    );
  }
  if (kind === 'sqlite') {
    throw new ConfigError(
      `${flag} is refused with the SQLite store: workers writing one file serialise every publication on its write lock, and its broker is in-process, so a subscriber would not receive what is published through another worker. ${useRedis}`,
    );
  }
  if (demo) {
    throw new ConfigError(
      `${flag} is refused with --demo: each worker would run its own demo publisher, so every price would be published ${workers} times. Run the demo with --workers 1`,
    );
  }
}

/** `--trust-proxy`: comma-separated (or repeated) addresses, CIDR ranges and `loopback`. */
function trustProxyOf(raw: string[] | undefined): string[] {
  const entries = (raw ?? []).flatMap((value) => value.split(',')).map((entry) => entry.trim());
  const trusted = entries.filter(Boolean);
  try {
    trustedProxiesOf(trusted, '--trust-proxy (HERALD_TRUST_PROXY)');
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return trusted;
}

/**
 * `--publish-rate` (publishes per second, decimals allowed; 0 or unset: no limit) and
 * `--publish-burst` (an integer >= 1; default max(1, 2 × rate)).
 */
function publishRateOf(rate: string | undefined, burst: string | undefined) {
  const publishRate = rate === undefined ? 0 : /^[0-9]+(\.[0-9]+)?$/.test(rate) ? Number(rate) : Number.NaN;
  if (!Number.isFinite(publishRate)) {
    throw new ConfigError(
      `--publish-rate (HERALD_PUBLISH_RATE) must be a non-negative number of publishes per second; got ${JSON.stringify(rate)}`,
    );
  }
  const publishBurst = burst === undefined ? undefined : /^[0-9]+$/.test(burst) ? Number(burst) : 0;
  if (publishBurst !== undefined && publishBurst < 1) {
    throw new ConfigError(
      `--publish-burst (HERALD_PUBLISH_BURST) must be an integer of at least 1; got ${JSON.stringify(burst)}`,
    );
  }
  return { publishRate, publishBurst };
}

function redisKeyPrefixOf(raw: string | undefined): string | undefined {
  if (raw === '') throw new ConfigError('--redis-key-prefix must not be empty');
  return raw;
}

function synchronousOf(raw: string | undefined): 'FULL' | 'NORMAL' | undefined {
  if (raw === undefined) return undefined;
  const value = raw.toUpperCase();
  if (value !== 'FULL' && value !== 'NORMAL')
    throw new ConfigError('--sqlite-synchronous must be FULL or NORMAL');
  return value;
}

/** A key flag's value: a PEM (inline or `@path`) or a JWKS file, else an HMAC secret. */
export function keySpecOf(value: string | undefined): KeySpec | undefined {
  if (value === undefined) return undefined;
  if (value.startsWith('@')) {
    const path = value.slice(1);
    return path.endsWith('.json') ? { type: 'jwks-file', path } : { type: 'pem-file', path };
  }
  if (value.includes('-----BEGIN')) return { type: 'pem', pem: value.replace(/\\n/g, '\n') };
  return { type: 'hmac', secret: value };
}

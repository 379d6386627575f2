import { RESOURCE_METADATA_PREFIX } from './resource-metadata.js';

/** The hub's endpoint (Mercure §Discovery: a well-known URI). */
export const HUB_PATH = '/.well-known/mercure';
export const SUBSCRIPTIONS_PATH = `${HUB_PATH}/subscriptions`;
/** Herald extension: scheduled publications (docs/time.md). */
export const SCHEDULES_PATH = `${HUB_PATH}/schedules`;
/** RFC 9728 metadata of the hub (draft-08 §Protected Resource Metadata). */
export const RESOURCE_METADATA_PATH = `${RESOURCE_METADATA_PREFIX}${HUB_PATH}`;

export interface HttpOptions {
  /** The hub's public URL: base of relative URL patterns, and the origin allowed to publish with cookies. */
  hubUrl: string | undefined;
  /** Subscribers without a token may connect (they receive public updates only). */
  allowAnonymous: boolean;
  corsOrigins: string[];
  /** Largest publish body. Default 1 MiB. */
  maxBodyBytes: number;
  /** Selectors per subscribe request. */
  maxSelectors: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  heartbeatMs: number;
  /** Per-subscriber SSE queue bound: a slower reader is disconnected and resumes from its cursor. */
  maxQueueBytes: number;
  defaultLongPollTimeoutMs: number;
  maxLongPollTimeoutMs: number;
  /** Serve the active subscriptions API (and publish subscription events). */
  subscriptionsApi: boolean;
  /** The reconnection hint given to subscribers when the hub shuts down. */
  shutdownRetryMs: number;
  /**
   * The hub's resource identifier (draft-08 `aud`, `--resource`): enables the protected resource
   * metadata and its `resource_metadata` link in 401 challenges. `createHub` defaults it to `jwt.resource`.
   */
  resource: string | undefined;
  /** Issuers advertised as `authorization_servers` in the protected resource metadata. */
  authorizationServers: string[];
  /**
   * SSE coalescing window: events for a stream within this many milliseconds go out in one write.
   * 0 (default): written at the end of the event-loop turn, which already batches what arrives
   * together; a few ms trade that much latency for fewer syscalls at steady rates (bench/fanout).
   */
  flushDelayMs: number;
  /**
   * Longest life of an event stream, in milliseconds; 0 (default): unlimited. A stream open longer
   * (plus a random jitter of up to 10%, so the reconnections after a deploy spread out) ends with
   * the shutdown's `retry:` hint, and the client reconnects with its Last-Event-ID: it presents its
   * token again, and lands on whichever instance the load balancer picks (Mercure §Subscription).
   */
  maxConnectionLifetimeMs: number;
  /**
   * HTTP/1.1 event streams take their connection over from node:http once the head is out
   * (`SseStreamOptions.takeOverConnection`): ~6 KB less per idle stream. The connections leave
   * node:http's list: whoever serves `handleNode` must also call `closeTakenOverConnections(server)`
   * when it closes the server (`createHubServer` and `herald serve` do). Default false.
   */
  takeOverConnections: boolean;
  /** One log line per finished request (an event stream's when it ends), through `createHub`'s `logger`. */
  accessLog: boolean;
  /**
   * Trusted proxies (addresses, CIDR ranges, `loopback`): a request from one of them is counted
   * under the client its `Forwarded` / `X-Forwarded-For` header names (`client-address.ts`).
   * Default none: the socket's address, whatever the headers say.
   */
  trustProxy: string[];
  /**
   * Publishes per second allowed per token subject (`sub`) and per client address (the
   * `trustProxy`-aware one), each a token bucket (`rate-limit.ts`): past it, 429 with
   * `Retry-After`. 0 (default): no limit.
   */
  publishRate: number;
  /** Bucket capacity of `publishRate`: publishes at once after idling. Default max(1, 2 × rate). */
  publishBurst: number | undefined;
}

export const defaultHttpOptions: HttpOptions = {
  hubUrl: undefined,
  allowAnonymous: false,
  corsOrigins: [],
  maxBodyBytes: 1024 * 1024,
  maxSelectors: 32,
  maxConnections: 10_000,
  maxConnectionsPerIp: 256,
  heartbeatMs: 15_000,
  // A full body's event (1 MiB of data) fits, with its fields: it is refused at publish otherwise.
  maxQueueBytes: 1024 * 1024 + 64 * 1024,
  defaultLongPollTimeoutMs: 25_000,
  maxLongPollTimeoutMs: 60_000,
  subscriptionsApi: false,
  shutdownRetryMs: 1_000,
  resource: undefined,
  authorizationServers: [],
  flushDelayMs: 0,
  maxConnectionLifetimeMs: 0,
  takeOverConnections: false,
  accessLog: false,
  trustProxy: [],
  publishRate: 0,
  publishBurst: undefined,
};

/**
 * The options `HeraldHub.reconfigure` changes while the hub runs (a configuration reload): each is
 * read per request or per new stream, so a change applies to what comes next and open streams are
 * left as they are. The others (the subscriptions API, `resource`, `maxQueueBytes`, which an open
 * stream reads both at its start and live…) are fixed at creation.
 */
export const RELOADABLE_HTTP_OPTIONS = [
  'allowAnonymous',
  'corsOrigins',
  'maxBodyBytes',
  'maxSelectors',
  'maxConnections',
  'maxConnectionsPerIp',
  'heartbeatMs',
  'defaultLongPollTimeoutMs',
  'maxLongPollTimeoutMs',
  'shutdownRetryMs',
  'flushDelayMs',
  'maxConnectionLifetimeMs',
  'accessLog',
  'trustProxy',
  'publishRate',
  'publishBurst',
] as const satisfies readonly (keyof HttpOptions)[];

export type ReloadableHttpOptions = Pick<HttpOptions, (typeof RELOADABLE_HTTP_OPTIONS)[number]>;

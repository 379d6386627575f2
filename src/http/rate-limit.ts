import type { Clock } from '../clock/index.js';
import { Lru } from '../hub/index.js';
import { HttpError } from './errors.js';

/** Recently used keys a `RateLimiter` keeps at least (and twice this at most): see `Lru`. */
export const DEFAULT_RATE_LIMIT_MAX_KEYS = 100_000;

export interface RateLimiterOptions {
  /** Tokens added per second to each key's bucket (> 0). */
  ratePerSecond: number;
  /** Bucket capacity: requests a key may make at once after being idle (>= 1). */
  burst: number;
  clock: Clock;
  /** Keys kept at least; at most twice this are held (default `DEFAULT_RATE_LIMIT_MAX_KEYS`). */
  maxKeys?: number | undefined;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was computed (clock ms). */
  atMs: number;
}

/**
 * Token buckets, one per key, refilled lazily from the injected clock (no timer per key). The
 * buckets live in the hub's `Lru`: the `maxKeys` most recently used keys are always kept, older
 * ones (most likely full again) are dropped a generation at a time, in O(1) per request even under
 * a flood of new addresses. A dropped key starts over with a full bucket: memory stays bounded at
 * `2 × maxKeys` buckets whatever the number of clients.
 */
export class RateLimiter {
  #ratePerSecond: number;
  #burst: number;
  readonly maxKeys: number;
  readonly #clock: Clock;
  readonly #buckets: Lru<string, Bucket>;

  constructor(options: RateLimiterOptions) {
    checkRate(options);
    const maxKeys = options.maxKeys ?? DEFAULT_RATE_LIMIT_MAX_KEYS;
    if (!(Number.isInteger(maxKeys) && maxKeys >= 1)) {
      throw new RangeError(`maxKeys must be a positive integer, got ${maxKeys}`);
    }
    this.#ratePerSecond = options.ratePerSecond;
    this.#burst = options.burst;
    this.maxKeys = maxKeys;
    this.#buckets = new Lru(maxKeys);
    this.#clock = options.clock;
  }

  get ratePerSecond(): number {
    return this.#ratePerSecond;
  }

  get burst(): number {
    return this.#burst;
  }

  /**
   * A new rate and burst (a configuration reload), keeping every bucket: a client that used its
   * burst does not get a fresh one, and a bucket above a lowered burst is cut to it when next used.
   * Throws a `RangeError` as the constructor does, changing nothing.
   */
  reconfigure(limits: { ratePerSecond: number; burst: number }): void {
    checkRate(limits);
    this.#ratePerSecond = limits.ratePerSecond;
    this.#burst = limits.burst;
  }

  /** Keys held now (at most `2 × maxKeys`). */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Takes one token from each key's bucket, all or none: `undefined` when every key had one
   * (all taken), else the first refused key and the whole seconds until it has one (>= 1),
   * nothing taken from any key.
   */
  take(keys: readonly string[]): { key: string; retryAfterSeconds: number } | undefined {
    const nowMs = this.#clock.nowMs();
    const buckets: Bucket[] = [];
    let refused: { key: string; retryAfterSeconds: number } | undefined;
    for (const key of keys) {
      const bucket = this.#touch(key, nowMs);
      buckets.push(bucket);
      if (refused === undefined && bucket.tokens < 1) {
        const waitSeconds = (1 - bucket.tokens) / this.#ratePerSecond;
        // A hair over a whole number of seconds (float error) still rounds up to the next one.
        refused = { key, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds - 1e-9)) };
      }
    }
    if (refused !== undefined) return refused;
    for (const bucket of buckets) bucket.tokens -= 1;
    return undefined;
  }

  /** The key's bucket refilled to `nowMs`, marked as the most recently used (maybe evicting). */
  #touch(key: string, nowMs: number): Bucket {
    const existing = this.#buckets.get(key);
    if (existing !== undefined) {
      // A clock stepping back adds nothing (and takes nothing away).
      const elapsedMs = Math.max(0, nowMs - existing.atMs);
      existing.tokens = Math.min(this.#burst, existing.tokens + (elapsedMs / 1000) * this.#ratePerSecond);
      existing.atMs = Math.max(existing.atMs, nowMs);
      return existing;
    }
    const bucket: Bucket = { tokens: this.#burst, atMs: nowMs };
    this.#buckets.set(key, bucket);
    return bucket;
  }
}

function checkRate(limits: { ratePerSecond: number; burst: number }): void {
  if (!(limits.ratePerSecond > 0 && Number.isFinite(limits.ratePerSecond))) {
    throw new RangeError(
      `publish rate (ratePerSecond) must be a positive number, got ${limits.ratePerSecond}`,
    );
  }
  if (!(limits.burst >= 1 && Number.isFinite(limits.burst))) {
    throw new RangeError(`publish burst must be at least 1, got ${limits.burst}`);
  }
}

/** `--publish-burst`'s default: twice the rate, at least 1. */
export function defaultPublishBurst(ratePerSecond: number): number {
  return Math.max(1, 2 * ratePerSecond);
}

/**
 * The rate and burst of `HttpOptions.publishRate` / `publishBurst`; `undefined` when the rate is 0
 * (no limit, the default). Throws a `RangeError` for a negative rate or a burst below 1.
 */
export function publishRateOf(options: {
  publishRate: number;
  publishBurst: number | undefined;
}): { ratePerSecond: number; burst: number } | undefined {
  if (options.publishRate === 0) return undefined;
  const limits = {
    ratePerSecond: options.publishRate,
    burst: options.publishBurst ?? defaultPublishBurst(options.publishRate),
  };
  checkRate(limits);
  return limits;
}

/**
 * The publish limiter of `HttpOptions.publishRate` / `publishBurst`; `undefined` when the rate is
 * 0 (no limit, the default). Throws a `RangeError` for a negative rate or a burst below 1.
 */
export function publishRateLimiterOf(
  options: { publishRate: number; publishBurst: number | undefined },
  clock: Clock,
  maxKeys?: number,
): RateLimiter | undefined {
  const limits = publishRateOf(options);
  return limits === undefined ? undefined : new RateLimiter({ ...limits, clock, maxKeys });
}

/** Rate-limit keys: `sub:<token sub>` and `addr:<client address>`. */
export const subjectKey = (subject: string) => `sub:${subject}`;
export const addressKey = (address: string) => `addr:${address}`;

/**
 * Takes a publish token for each key or throws 429 with `Retry-After` (whole seconds) and a
 * message naming the limit that refused it.
 */
export function takePublishToken(limiter: RateLimiter, keys: readonly string[]): void {
  const refused = limiter.take(keys);
  if (refused === undefined) return;
  const which = refused.key.startsWith('sub:') ? 'token subject' : 'client address';
  throw new HttpError(
    429,
    'RATE_LIMITED',
    `publish rate limit per ${which} exceeded (${limiter.ratePerSecond}/s, burst ${limiter.burst}); retry in ${refused.retryAfterSeconds} s`,
    { 'retry-after': String(refused.retryAfterSeconds) },
  );
}

import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock/index.js';
import { HttpError } from '../../src/http/errors.js';
import {
  DEFAULT_RATE_LIMIT_MAX_KEYS,
  publishRateLimiterOf,
  RateLimiter,
  takePublishToken,
} from '../../src/http/rate-limit.js';

function fakeClock(startMs = 1_000_000): Clock & { advance(ms: number): void } {
  let now = startMs;
  return { nowMs: () => now, advance: (ms) => (now += ms) };
}

describe('RateLimiter (token bucket per key, fake time)', () => {
  it('allows the burst at once, then refuses with the whole seconds until a token is back', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 2, burst: 3, clock });
    for (let i = 0; i < 3; i++) expect(limiter.take(['a'])).toBeUndefined();
    // Empty: the next token is 0.5 s away, rounded up to 1 s.
    expect(limiter.take(['a'])).toEqual({ key: 'a', retryAfterSeconds: 1 });
    // Another key has its own bucket.
    expect(limiter.take(['b'])).toBeUndefined();
  });

  it('refills at the rate, never beyond the burst', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 2, clock });
    expect(limiter.take(['a'])).toBeUndefined();
    expect(limiter.take(['a'])).toBeUndefined();
    expect(limiter.take(['a'])).toBeDefined();
    clock.advance(999);
    expect(limiter.take(['a'])).toEqual({ key: 'a', retryAfterSeconds: 1 });
    clock.advance(1);
    expect(limiter.take(['a'])).toBeUndefined();
    expect(limiter.take(['a'])).toBeDefined();
    // An hour idle refills to the burst, not to 3600.
    clock.advance(3_600_000);
    expect(limiter.take(['a'])).toBeUndefined();
    expect(limiter.take(['a'])).toBeUndefined();
    expect(limiter.take(['a'])).toBeDefined();
  });

  it('computes Retry-After from the rate: a slow rate waits several seconds', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 0.2, burst: 1, clock });
    expect(limiter.take(['a'])).toBeUndefined();
    expect(limiter.take(['a'])?.retryAfterSeconds).toBe(5);
    clock.advance(2_500);
    expect(limiter.take(['a'])?.retryAfterSeconds).toBe(3);
    clock.advance(2_400);
    expect(limiter.take(['a'])?.retryAfterSeconds).toBe(1);
    clock.advance(100);
    expect(limiter.take(['a'])).toBeUndefined();
  });

  it('takes from every key or from none', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1, clock });
    expect(limiter.take(['addr'])).toBeUndefined();
    // `sub` has a token but `addr` has none: refused, and `sub` keeps its token.
    expect(limiter.take(['sub', 'addr'])).toEqual({ key: 'addr', retryAfterSeconds: 1 });
    expect(limiter.take(['sub'])).toBeUndefined();
    expect(limiter.take(['sub'])?.key).toBe('sub');
  });

  it('keeps the maxKeys most recently used buckets, holds at most twice that, forgets the rest', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1, clock, maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) expect(limiter.take([key])).toBeUndefined();
    for (let i = 0; i < 1_000; i++) {
      expect(limiter.take([`k${i}`])).toBeUndefined();
      // `a` used now and then (refused: its bucket is empty) stays among the most recent keys.
      if (i % 2 === 0) expect(limiter.take(['a'])?.key).toBe('a');
      expect(limiter.size).toBeLessThanOrEqual(6);
    }
    // `b` and `c` were forgotten: a full bucket again. `a` kept its empty one.
    expect(limiter.take(['b'])).toBeUndefined();
    expect(limiter.take(['c'])).toBeUndefined();
    expect(limiter.take(['a'])?.key).toBe('a');
  });

  it('bounds the keys at 100,000 by default', () => {
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1, clock: fakeClock() });
    expect(limiter.maxKeys).toBe(DEFAULT_RATE_LIMIT_MAX_KEYS);
    expect(DEFAULT_RATE_LIMIT_MAX_KEYS).toBe(100_000);
  });

  it('rejects a non-positive rate or a burst below 1', () => {
    const clock = fakeClock();
    expect(() => new RateLimiter({ ratePerSecond: 0, burst: 1, clock })).toThrow(RangeError);
    expect(() => new RateLimiter({ ratePerSecond: 1, burst: 0.5, clock })).toThrow(RangeError);
  });
});

describe('publishRateLimiterOf and takePublishToken', () => {
  it('is off at rate 0 and defaults the burst to max(1, 2 x rate)', () => {
    const clock = fakeClock();
    expect(publishRateLimiterOf({ publishRate: 0, publishBurst: 5 }, clock)).toBeUndefined();
    expect(publishRateLimiterOf({ publishRate: 3, publishBurst: undefined }, clock)?.burst).toBe(6);
    expect(publishRateLimiterOf({ publishRate: 0.1, publishBurst: undefined }, clock)?.burst).toBe(1);
    expect(publishRateLimiterOf({ publishRate: 3, publishBurst: 1 }, clock)?.burst).toBe(1);
  });

  it('throws 429 with Retry-After and a message naming the limit', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 0.5, burst: 1, clock });
    takePublishToken(limiter, ['sub:alice', 'addr:203.0.113.1']);
    let error: unknown;
    try {
      takePublishToken(limiter, ['sub:alice', 'addr:203.0.113.9']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HttpError);
    const httpError = error as HttpError;
    expect(httpError.status).toBe(429);
    expect(httpError.code).toBe('RATE_LIMITED');
    expect(httpError.headers['retry-after']).toBe('2');
    expect(httpError.message).toMatch(/per token subject/);
    expect(() => takePublishToken(limiter, ['sub:bob', 'addr:203.0.113.1'])).toThrow(/per client address/);
  });
});

describe('createHub with a bad publish rate', () => {
  it('refuses a negative rate or a fractional burst below 1 before opening anything', async () => {
    const { createHub } = await import('../../src/http/index.js');
    await expect(createHub({ publishRate: -1 })).rejects.toThrow(RangeError);
    await expect(createHub({ publishRate: 1, publishBurst: 0.5 })).rejects.toThrow(/publish burst/);
  });
});

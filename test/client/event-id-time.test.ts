import { describe, expect, it } from 'vitest';
import { timeOfEventId } from '../../src/client/index.js';

describe('timeOfEventId', () => {
  it('reads the 48-bit big-endian millisecond prefix of a urn:uuid UUIDv7', () => {
    // RFC 9562 appendix A.6 example: 017F22E2-79B0-7CC3-98C4-DC0C0C07398F is 2022-02-22T19:22:22Z.
    const ms = timeOfEventId('urn:uuid:017f22e2-79b0-7cc3-98c4-dc0c0c07398f');
    expect(ms).toBe(Date.UTC(2022, 1, 22, 19, 22, 22));
    expect(timeOfEventId('urn:uuid:017F22E2-79B0-7CC3-98C4-DC0C0C07398F')).toBe(ms);
    expect(timeOfEventId('urn:uuid:ffffffff-ffff-7fff-bfff-ffffffffffff')).toBe(2 ** 48 - 1);
  });

  it.each([
    ['a UUIDv4', 'urn:uuid:9b2f2e4c-1f3a-4c3e-8d2a-5e6f7a8b9c0d'],
    ['a bare UUIDv7', '017f22e2-79b0-7cc3-98c4-dc0c0c07398f'],
    ['a wrong variant', 'urn:uuid:017f22e2-79b0-7cc3-c8c4-dc0c0c07398f'],
    ['a number', '42'],
    ['the empty string', ''],
  ])('returns undefined for %s', (_what, id) => {
    expect(timeOfEventId(id)).toBeUndefined();
  });
});

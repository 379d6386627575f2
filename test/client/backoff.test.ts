import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from '../../src/client/index.js';

describe('reconnectDelayMs', () => {
  const policy = (random: number) => ({ baseMs: 1000, capMs: 30_000, random: () => random });

  it('is the reconnection time plus a jitter below min(cap, base * 2^attempt)', () => {
    expect(
      [0, 1, 2, 3, 4, 5, 6].map((attempt) => reconnectDelayMs(3000, attempt, policy(0.999_999))),
    ).toEqual([3999, 4999, 6999, 10_999, 18_999, 32_999, 32_999]);
  });

  it('never waits less than the reconnection time (random 0)', () => {
    expect(reconnectDelayMs(3000, 7, policy(0))).toBe(3000);
  });

  it('stays at the cap for very many attempts', () => {
    expect(reconnectDelayMs(0, 5000, policy(0.5))).toBe(15_000);
  });
});

import { describe, expect, it } from 'vitest';
import { ClockOffsetEstimator } from '../../src/client/clock-offset.js';

describe('ClockOffsetEstimator', () => {
  it('pairs the server time with the midpoint of the round trip', () => {
    const estimator = new ClockOffsetEstimator();
    expect(estimator.offsetMs).toBeUndefined();
    // Request at 1000, response at 1100 (client clock); server said 6050 (exact to the ms).
    estimator.addSample(1000, 1100, 6050, 0);
    expect(estimator.offsetMs).toBe(5000);
  });

  it('keeps the sample with the smaller error bound', () => {
    const estimator = new ClockOffsetEstimator();
    estimator.addSample(0, 20, 1010, 0); // ±10 ms: offset 1000
    estimator.addSample(0, 25_000, 99_999, 0); // a long poll: ±12.5 s, ignored
    expect(estimator.offsetMs).toBe(1000);
    estimator.addSample(100, 102, 1601, 0); // ±1 ms: offset 1500
    expect(estimator.offsetMs).toBe(1500);
  });

  it('centres a whole-second Date header within its second, and ignores missing times', () => {
    const estimator = new ClockOffsetEstimator();
    estimator.addSample(0, 10, Number.NaN, 1000);
    expect(estimator.offsetMs).toBeUndefined();
    estimator.addSample(10_000, 10_010, 20_000, 1000);
    expect(estimator.offsetMs).toBe(20_000 + 500 - 10_005);
  });
});

describe('clockOffsetMs of an EventSource', () => {
  it('is estimated from the Date header of the stream response', async () => {
    const { EventSource } = await import('../../src/client/index.js');
    const serverNow = Date.UTC(2030, 0, 1, 0, 0, 0);
    let clientNow = 1_000_000;
    const fakeFetch: typeof fetch = async () => {
      clientNow += 40;
      return new Response('data: x\n\n', {
        headers: { 'content-type': 'text/event-stream', date: new Date(serverNow).toUTCString() },
      });
    };
    const source = new EventSource('http://hub.test/', { fetch: fakeFetch, now: () => clientNow });
    await new Promise((resolve) => source.addEventListener('open', resolve, { once: true }));
    source.close();
    expect(source.clockOffsetMs).toBe(serverNow + 500 - (1_000_000 + 20));
  });
});

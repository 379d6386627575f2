/**
 * What the tests of hubs sharing one Redis (the store's and the HTTP ones) have in common.
 */
import type { FakeTime } from './fake-time.js';

/**
 * Fires the heartbeats on `time` from a real interval (one heartbeat period per 50 ms) until the
 * returned function stops them: the node is alive until the test makes it hang.
 */
export function beating(time: FakeTime, periodMs: number): () => void {
  let isAdvancing = false;
  const interval = setInterval(() => {
    if (isAdvancing) return;
    isAdvancing = true;
    void time.advanceBy(periodMs).finally(() => {
      isAdvancing = false;
    });
  }, 50);
  return () => clearInterval(interval);
}

/**
 * A wall clock in microseconds that every process on the machine agrees on.
 *
 * `process.hrtime` and `performance.now()` count from a per-process origin, so a send time taken in
 * the publisher means nothing to a subscriber process. `Date.now()` is shared (CLOCK_REALTIME) but
 * only has millisecond steps, too coarse for sub-millisecond loopback latencies. So each process
 * spins until `Date.now()` ticks over and pins `performance.now()` to that edge: afterwards
 * `edgeMs * 1000 + (performance.now() - edgePerfMs) * 1000` is the wall time to within a microsecond
 * or so, and costs one `performance.now()` call per reading. The spin lasts at most 1 ms.
 */
export type WallClockUs = () => number;

export function calibratedWallClockUs(): WallClockUs {
  const startMs = Date.now();
  let edgeMs = startMs;
  let edgePerfMs = performance.now();
  while (edgeMs === startMs) {
    edgePerfMs = performance.now();
    edgeMs = Date.now();
  }
  const offsetUs = edgeMs * 1000 - edgePerfMs * 1000;
  return () => performance.now() * 1000 + offsetUs;
}

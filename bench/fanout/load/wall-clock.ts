/**
 * A wall clock in microseconds that every process on the machine agrees on.
 *
 * `process.hrtime` and `performance.now()` count from a per-process origin, so a send time taken in
 * the publisher means nothing to a subscriber process. `Date.now()` is shared (CLOCK_REALTIME) but
 * only has millisecond steps, too coarse for sub-millisecond loopback latencies. So each process
 * watches `Date.now()` tick over and pins `performance.now()` to that edge: afterwards the wall time
 * is `performance.now()` plus a fixed offset, for the cost of one `performance.now()` per reading.
 *
 * The edge lies between the `performance.now()` read just before the last `Date.now()` that showed
 * the old millisecond and the one just after the first that showed the new one. A process that is
 * descheduled inside that window (likely on a busy machine) would be off by as long as it waited,
 * so several edges are sampled and the narrowest window wins. Costs about `EDGES` milliseconds.
 */
export type WallClockUs = () => number;

const EDGES = 8;

interface EdgeSample {
  offsetUs: number;
  windowUs: number;
}

function sampleEdge(): EdgeSample {
  let beforeMs = performance.now();
  let dateMs = Date.now();
  const startMs = dateMs;
  let afterMs = performance.now();
  while (dateMs === startMs) {
    beforeMs = afterMs;
    dateMs = Date.now();
    afterMs = performance.now();
  }
  return {
    offsetUs: dateMs * 1000 - ((beforeMs + afterMs) / 2) * 1000,
    windowUs: (afterMs - beforeMs) * 1000,
  };
}

export function calibratedWallClockUs(): WallClockUs {
  let best = sampleEdge();
  for (let i = 1; i < EDGES; i++) {
    const sample = sampleEdge();
    if (sample.windowUs < best.windowUs) best = sample;
  }
  const offsetUs = best.offsetUs;
  return () => performance.now() * 1000 + offsetUs;
}

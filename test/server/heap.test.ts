import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./fixtures/heap-churn.ts', import.meta.url));
const STREAMS = 10_000;
/**
 * Generous: 10 000 leaked streams would keep their ServerResponse, socket and stream objects,
 * several KB each (tens of MB in total); what is left after a clean run is noise from JIT and
 * module state, well under this bound.
 */
const MAX_HEAP_GROWTH_BYTES = 8 * 1024 * 1024;

describe('resource release', () => {
  it.each([
    ['', 'node:http keeps the connection'],
    ['take-over', 'each stream takes its connection over'],
  ])(
    `frees everything after ${STREAMS} streams are opened and dropped by their clients (%s: %s)`,
    async (mode) => {
      const { stdout } = await run(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', script, String(STREAMS), mode],
        {
          timeout: 120_000,
        },
      );
      const result = JSON.parse(stdout.trim().split('\n').pop()!);
      expect(result.streams).toBe(STREAMS);
      // Counted over the warm-up too; every one of them, when asked.
      expect(result.takenOver).toBe(mode === 'take-over' ? result.streams + 500 : 0);
      expect(Object.keys(result.reasons)).toEqual(['client-closed']);
      expect(result.peakHeartbeatMembers).toBeGreaterThan(0);
      expect(result.after.heartbeatMembers).toBe(0);
      // The shared heartbeat timer ran while streams were open, and stopped with the last one.
      expect(result.peakTimers).toBeGreaterThan(result.baseline.timers);
      expect(result.after.timers).toBeLessThanOrEqual(result.baseline.timers);
      expect(result.after.tcp).toBeLessThanOrEqual(result.baseline.tcp);
      expect(result.heapGrowthBytes).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
    },
    150_000,
  );
});

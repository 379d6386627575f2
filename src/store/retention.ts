/**
 * Retention semantics shared by every Store, so that the hub gets the same history from each.
 *
 * Retention only ever drops a PREFIX of the history (the oldest cursors). Kept events are therefore
 * always a contiguous run of cursors, with no holes: a subscriber whose Last-Event-ID is still known
 * is guaranteed to get every later event. Dropping a single old event in the middle would make such
 * a replay silently skip it.
 *
 * - `maxEvents`: keep the newest `maxEvents` events.
 * - `maxAgeMs`: drop every event up to and including the NEWEST one published before
 *   `nowMs - maxAgeMs`. With a monotonic clock this is exactly "drop what is older than maxAgeMs";
 *   if the clock once stepped back, a few younger events that precede an old-stamped one go too,
 *   because keeping the old one would break the "nothing older than maxAgeMs is kept" promise and
 *   dropping it alone would punch a hole.
 * - Both set: the longer of the two prefixes is dropped.
 */
import type { RetentionPolicy } from '../hub/index.js';
import { isNonNegativeInteger } from './arguments.js';
import { StoreError } from './errors.js';

export function checkRetention(policy: RetentionPolicy, nowMs: number): void {
  const { maxEvents, maxAgeMs } = policy;
  if (maxEvents !== undefined && !isNonNegativeInteger(maxEvents)) {
    throw new StoreError('INVALID_ARGUMENT', `maxEvents must be a non-negative integer, got ${maxEvents}`);
  }
  if (maxAgeMs !== undefined && !isNonNegativeInteger(maxAgeMs)) {
    throw new StoreError('INVALID_ARGUMENT', `maxAgeMs must be a non-negative integer, got ${maxAgeMs}`);
  }
  if (!isNonNegativeInteger(nowMs)) {
    throw new StoreError('INVALID_ARGUMENT', `nowMs must be a non-negative integer, got ${nowMs}`);
  }
}

/**
 * Events published before this instant are too old to keep. An event exactly `maxAgeMs` old is
 * kept: "older than maxAgeMs" is strict.
 */
export function ageCutoffMs(policy: RetentionPolicy, nowMs: number): number | undefined {
  return policy.maxAgeMs === undefined ? undefined : nowMs - policy.maxAgeMs;
}

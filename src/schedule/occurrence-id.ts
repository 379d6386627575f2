import { createHash } from 'node:crypto';
import { formatUuidv7 } from '../time/index.js';

/**
 * The public id of the event one occurrence of a schedule publishes: a UUIDv7 whose time is the
 * occurrence's due instant and whose random bits are a SHA-256 of (schedule id, due instant).
 * Deterministic on purpose: a runner that crashes between delivering and `complete`, or two
 * runners whose leases overlap, publish the same id twice, and the event store refuses the second
 * append of that exclusive id (`DUPLICATE_ID`) instead of delivering it again.
 */
export function occurrenceEventId(scheduleId: string, dueAtMs: number): string {
  const digest = createHash('sha256').update(`${scheduleId}\n${dueAtMs}`).digest();
  const randA = ((digest[0]! << 8) | digest[1]!) & 0xfff;
  return `urn:uuid:${formatUuidv7(dueAtMs, randA, digest.subarray(2, 10))}`;
}

/** What the schedule runner's tests share. */
import type { NewSchedule } from '../../src/schedule/schedule.js';

export const T0 = Date.UTC(2026, 0, 1);

/** A one-shot schedule due at `dueAtMs`, created at `T0`, its id as its data. */
export function oneShot(id: string, dueAtMs: number): NewSchedule {
  return {
    id,
    topics: ['https://example.com/t'],
    event: { data: id, isPrivate: false },
    dueAtMs,
    disambiguation: 'compatible',
    createdAtMs: T0,
  };
}

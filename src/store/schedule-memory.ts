import type { NewSchedule, Schedule } from '../schedule/index.js';
import {
  type Completion,
  DEFAULT_LIST_LIMIT,
  type DeliveryRecord,
  type ScheduleFilter,
  type ScheduleStore,
  ScheduleStoreError,
} from '../schedule/index.js';

const byDue = (a: Schedule, b: Schedule) => a.dueAtMs - b.dueAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Schedules in a Map, for one process and for tests. Every method runs synchronously inside its
 * promise, so a claim is atomic with respect to other callers on the same event loop. Due-time
 * scans are linear: fine for thousands of schedules, use SQLite beyond.
 */
export class MemoryScheduleStore implements ScheduleStore {
  readonly #schedules = new Map<string, Schedule>();

  async add(schedule: NewSchedule): Promise<Schedule> {
    if (this.#schedules.has(schedule.id)) {
      throw new ScheduleStoreError('SCHEDULE_DUPLICATE_ID', `schedule ${schedule.id} exists`);
    }
    const stored: Schedule = {
      ...schedule,
      topics: [...schedule.topics],
      state: 'pending',
      deliveredCount: 0,
    };
    this.#schedules.set(schedule.id, stored);
    return { ...stored };
  }

  async get(id: string): Promise<Schedule | undefined> {
    const s = this.#schedules.get(id);
    return s === undefined ? undefined : { ...s };
  }

  async list(filter: ScheduleFilter = {}): Promise<Schedule[]> {
    const matches = [...this.#schedules.values()].filter(
      (s) =>
        (filter.topic === undefined || s.topics.includes(filter.topic)) &&
        (filter.ownerId === undefined || s.ownerId === filter.ownerId) &&
        (filter.states === undefined || filter.states.includes(s.state)),
    );
    return matches
      .sort(byDue)
      .slice(0, filter.limit ?? DEFAULT_LIST_LIMIT)
      .map((s) => ({ ...s }));
  }

  async cancel(id: string, ownerId?: string): Promise<boolean> {
    const s = this.#schedules.get(id);
    if (s === undefined || (ownerId !== undefined && s.ownerId !== ownerId)) return false;
    if (s.state !== 'pending' && s.state !== 'claimed') return false;
    Object.assign(s, { state: 'cancelled', claimedBy: undefined, leaseUntilMs: undefined });
    return true;
  }

  async claimDue(nowMs: number, limit: number, workerId: string, leaseMs: number): Promise<Schedule[]> {
    const due = [...this.#schedules.values()]
      .filter((s) => isClaimable(s, nowMs))
      .sort(byDue)
      .slice(0, limit);
    for (const s of due)
      Object.assign(s, { state: 'claimed', claimedBy: workerId, leaseUntilMs: nowMs + leaseMs });
    return due.map((s) => ({ ...s }));
  }

  async complete(
    id: string,
    nextDueMs: number | null,
    workerId: string,
    delivery: DeliveryRecord,
    nextOccurrenceIndex?: number,
  ): Promise<boolean> {
    const s = this.#schedules.get(id);
    if (s === undefined || s.state !== 'claimed' || s.claimedBy !== workerId) return false;
    Object.assign(s, {
      state: nextDueMs === null ? 'done' : 'pending',
      dueAtMs: nextDueMs ?? s.dueAtMs,
      occurrenceIndex: nextDueMs === null ? s.occurrenceIndex : (nextOccurrenceIndex ?? s.occurrenceIndex),
      claimedBy: undefined,
      leaseUntilMs: undefined,
      deliveredCount: s.deliveredCount + 1,
      lastDeliveredAtMs: delivery.deliveredAtMs,
      lastLateByMs: delivery.lateByMs,
    });
    return true;
  }

  async completeAll(completions: readonly Completion[], workerId: string): Promise<number> {
    let completed = 0;
    for (const c of completions)
      completed += (await this.complete(c.id, c.nextDueMs, workerId, c.delivery, c.nextOccurrenceIndex))
        ? 1
        : 0;
    return completed;
  }

  async renew(ids: readonly string[], workerId: string, nowMs: number, leaseMs: number): Promise<string[]> {
    const renewed: string[] = [];
    for (const id of new Set(ids)) {
      const s = this.#schedules.get(id);
      if (s === undefined || s.state !== 'claimed' || s.claimedBy !== workerId) continue;
      s.leaseUntilMs = nowMs + leaseMs;
      renewed.push(id);
    }
    return renewed;
  }

  async nextDueMs(): Promise<number | undefined> {
    let earliest: number | undefined;
    for (const s of this.#schedules.values()) {
      const at = s.state === 'pending' ? s.dueAtMs : s.state === 'claimed' ? s.leaseUntilMs : undefined;
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
    }
    return earliest;
  }

  async purgeFinished(beforeMs: number): Promise<number> {
    let purged = 0;
    for (const [id, s] of this.#schedules) {
      if ((s.state === 'done' || s.state === 'cancelled') && s.createdAtMs < beforeMs) {
        this.#schedules.delete(id);
        purged += 1;
      }
    }
    return purged;
  }

  async close(): Promise<void> {}
}

function isClaimable(s: Schedule, nowMs: number): boolean {
  if (s.state === 'pending') return s.dueAtMs <= nowMs;
  return s.state === 'claimed' && (s.leaseUntilMs ?? 0) <= nowMs;
}

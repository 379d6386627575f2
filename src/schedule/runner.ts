import { type Clock, MAX_TIMER_DELAY_MS, systemTimers, type Timers } from '../clock/index.js';
import { uuidv7 } from '../time/index.js';
import { occurrenceEventId } from './occurrence-id.js';
import {
  DEFAULT_LATE_TOLERANCE_MS,
  type NextDue,
  nextDueAfter,
  type Schedule,
  type ScheduleJson,
  scheduleToJson,
} from './schedule.js';
import type { Completion, ScheduleStore } from './store.js';

/** One occurrence handed to the hub's `deliver` callback. */
export interface Delivery {
  schedule: Schedule;
  /** The event's public id, derived from (schedule id, due instant): append it as is, so a retry is a duplicate. */
  eventId: string;
  dueAtMs: number;
  deliveredAtMs: number;
  /** Delivered more than `lateToleranceMs` after its due time (e.g. it fell due while the hub was down). */
  isLate: boolean;
  lateByMs: number;
  /** The schedule as the list API shows it, with `late`/`lateByMs` of this delivery. */
  json: ScheduleJson;
}

export interface ScheduleRunnerOptions {
  store: ScheduleStore;
  clock: Clock;
  /** Publishes the occurrence. A rejection leaves the claim to expire, so another pass retries it. */
  deliver: (delivery: Delivery) => Promise<void>;
  timers?: Timers;
  /** Identifies this process in claims. Default: a fresh UUIDv7. */
  workerId?: string;
  /**
   * Longest single wait. Node fires any delay above 2^31-1 ms (24.8 days) at once, and other
   * processes sharing the store may add earlier schedules or claim some and die, so the runner
   * wakes at least this often to ask the store: it takes over a dead process's claims within
   * `max(leaseMs, maxWaitMs)` of its death. Default 10 s.
   */
  maxWaitMs?: number;
  /**
   * How long a claim protects a delivery from other runners without a renewal. The runner renews
   * the claims of the batch it delivers every third of it, until the batch is completed, so a
   * process that dies loses its claims within this, however long deliveries take. Default 10 s.
   */
  leaseMs?: number;
  /** Schedules claimed per store round trip. Default 100. */
  batchSize?: number;
  lateToleranceMs?: number;
  /** Errors from the store or from `deliver`; the runner keeps running. */
  onError?: (error: unknown, schedule?: Schedule) => void;
}

/** Default `leaseMs`: short, since it is renewed while a batch is delivered. */
export const DEFAULT_LEASE_MS = 10_000;
/** Default `maxWaitMs`: as short as the lease, so an idle runner notices another's dead claims. */
export const DEFAULT_MAX_WAIT_MS = 10_000;

/**
 * Delivers schedules when the store says they are due. Each wake: claim due schedules in
 * batches, deliver each, `complete` it with its next occurrence (a recurring schedule that missed
 * several occurrences while the hub was down delivers one, late, then resumes after now), then
 * sleep until the store's next due time, never longer than `maxWaitMs`. While a batch is delivered
 * and completed, its claims are renewed every `leaseMs / 3` on Timers.
 */
export class ScheduleRunner {
  readonly workerId: string;
  readonly #o: Required<Omit<ScheduleRunnerOptions, 'workerId' | 'onError'>> &
    Pick<ScheduleRunnerOptions, 'onError'>;
  readonly #renewEveryMs: number;
  #timer: unknown;
  #isRunning = false;
  #pass: Promise<void> | undefined;
  #wantsAnotherPass = false;

  constructor(options: ScheduleRunnerOptions) {
    const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    if (!(maxWaitMs > 0 && maxWaitMs <= MAX_TIMER_DELAY_MS)) {
      throw new RangeError(`maxWaitMs must be in 1..${MAX_TIMER_DELAY_MS}, got ${maxWaitMs}`);
    }
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    if (!(leaseMs >= 3 && leaseMs <= MAX_TIMER_DELAY_MS)) {
      throw new RangeError(`leaseMs must be in 3..${MAX_TIMER_DELAY_MS}, got ${leaseMs}`);
    }
    this.workerId = options.workerId ?? uuidv7(options.clock.nowMs());
    this.#o = {
      timers: systemTimers,
      batchSize: 100,
      lateToleranceMs: DEFAULT_LATE_TOLERANCE_MS,
      ...options,
      maxWaitMs,
      leaseMs,
    };
    this.#renewEveryMs = Math.floor(leaseMs / 3);
  }

  /** Delivers everything that fell due while stopped (marked late), then keeps waking. */
  async start(): Promise<void> {
    if (this.#isRunning) return;
    this.#isRunning = true;
    await this.#runPass();
  }

  /** Stops waking; resolves once an in-flight pass has finished. */
  async stop(): Promise<void> {
    this.#isRunning = false;
    this.#clearTimer();
    await this.#pass;
  }

  /** Wake now: call after adding a schedule that may be due before the current wait ends. */
  poke(): void {
    if (!this.#isRunning) return;
    if (this.#pass !== undefined) {
      this.#wantsAnotherPass = true;
      return;
    }
    this.#clearTimer();
    void this.#runPass();
  }

  /**
   * Resolves once no pass is in flight: what tests on fake time wait for when the store answers
   * over the network (Redis), so that the next timer is armed before they move time on.
   */
  async idle(): Promise<void> {
    while (this.#pass !== undefined) await this.#pass;
  }

  /** Claims and delivers what is due now; returns how many were delivered. Exposed for tests and the CLI. */
  async deliverDue(): Promise<number> {
    let deliveredCount = 0;
    for (;;) {
      const batch = await this.#o.store.claimDue(
        this.#o.clock.nowMs(),
        this.#o.batchSize,
        this.workerId,
        this.#o.leaseMs,
      );
      const held = new Set(batch.map((schedule) => schedule.id));
      const stopRenewing = this.#renewWhileHeld(held);
      try {
        // The claimed batch is delivered concurrently, in due order: the event store commits the
        // appends of one turn together (one fsync for the batch instead of one per event).
        const delivered = await Promise.all(
          batch.map(async (schedule) => {
            const completion = await this.#deliverOne(schedule);
            // A failed delivery is left to its lease: not renewed, another pass retries it.
            if (completion === undefined) held.delete(schedule.id);
            return completion;
          }),
        );
        const completions = delivered.filter((completion) => completion !== undefined);
        // One store transaction per batch; a crash before it only causes deduplicated redeliveries.
        if (completions.length > 0) await this.#o.store.completeAll(completions, this.workerId);
        deliveredCount += completions.length;
      } finally {
        // Also waits for a renewal in flight, so none lands after the next claim.
        await stopRenewing();
      }
      if (batch.length < this.#o.batchSize) return deliveredCount;
    }
  }

  async #runPass(): Promise<void> {
    const pass = (async () => {
      do {
        this.#wantsAnotherPass = false;
        try {
          await this.deliverDue();
        } catch (error) {
          this.#o.onError?.(error);
        }
      } while (this.#wantsAnotherPass && this.#isRunning);
      await this.#sleep();
    })();
    this.#pass = pass;
    try {
      await pass;
    } finally {
      if (this.#pass === pass) this.#pass = undefined;
    }
  }

  async #sleep(): Promise<void> {
    if (!this.#isRunning) return;
    let nextDueMs: number | undefined;
    try {
      nextDueMs = await this.#o.store.nextDueMs();
    } catch (error) {
      this.#o.onError?.(error);
    }
    if (!this.#isRunning) return;
    const untilDueMs = nextDueMs === undefined ? this.#o.maxWaitMs : nextDueMs - this.#o.clock.nowMs();
    const delayMs = Math.min(Math.max(0, untilDueMs), this.#o.maxWaitMs);
    this.#clearTimer();
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = undefined;
      void this.#runPass();
    }, delayMs);
  }

  /**
   * Renews the leases of `held` every third of the lease until the returned function is called
   * (which resolves once a renewal in flight has settled). Ids the store no longer gives this
   * worker (cancelled, taken over after a stall) are dropped from `held`; a failed renewal goes to
   * `onError` and the next one tries again.
   */
  #renewWhileHeld(held: Set<string>): () => Promise<void> {
    let timer: unknown;
    let inFlight: Promise<void> | undefined;
    let isStopped = false;
    const renew = async () => {
      try {
        const ids = [...held];
        const kept = new Set(
          await this.#o.store.renew(ids, this.workerId, this.#o.clock.nowMs(), this.#o.leaseMs),
        );
        for (const id of ids) if (!kept.has(id)) held.delete(id);
      } catch (error) {
        this.#o.onError?.(error);
      }
    };
    const arm = () => {
      timer = this.#o.timers.setTimeout(() => {
        timer = undefined;
        if (isStopped || held.size === 0) return;
        inFlight = renew().finally(() => {
          inFlight = undefined;
          if (!isStopped) arm();
        });
      }, this.#renewEveryMs);
    };
    if (held.size > 0) arm();
    return async () => {
      isStopped = true;
      if (timer !== undefined) this.#o.timers.clearTimeout(timer);
      timer = undefined;
      await inFlight;
    };
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Delivers one claimed occurrence; its completion, or `undefined` when delivery failed. */
  async #deliverOne(schedule: Schedule): Promise<Completion | undefined> {
    const deliveredAtMs = this.#o.clock.nowMs();
    const lateByMs = Math.max(0, deliveredAtMs - schedule.dueAtMs);
    const isLate = lateByMs > this.#o.lateToleranceMs;
    const json = { ...scheduleToJson(schedule, deliveredAtMs, this.#o.lateToleranceMs), late: isLate };
    json.lateByMs = isLate ? lateByMs : 0;
    const eventId = occurrenceEventId(schedule.id, schedule.dueAtMs);
    try {
      await this.#o.deliver({
        schedule,
        eventId,
        dueAtMs: schedule.dueAtMs,
        deliveredAtMs,
        isLate,
        lateByMs,
        json,
      });
    } catch (error) {
      this.#o.onError?.(error, schedule);
      return undefined;
    }
    let next: NextDue | null = null;
    try {
      // Resumes from this occurrence (its index kept with the schedule): never a walk from the anchor.
      next = nextDueAfter(schedule, Math.max(schedule.dueAtMs, deliveredAtMs));
    } catch (error) {
      // A stored rule that no longer parses, or whose search gave up: finish the schedule.
      this.#o.onError?.(error, schedule);
    }
    return {
      id: schedule.id,
      nextDueMs: next?.dueAtMs ?? null,
      ...(next?.occurrenceIndex === undefined ? {} : { nextOccurrenceIndex: next.occurrenceIndex }),
      delivery: { deliveredAtMs, lateByMs },
    };
  }
}

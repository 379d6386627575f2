import { type Clock, MAX_TIMER_DELAY_MS, systemTimers, type Timers } from '../clock/index.js';
import { uuidv7 } from '../time/index.js';
import { occurrenceEventId } from './occurrence-id.js';
import {
  DEFAULT_LATE_TOLERANCE_MS,
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
   * processes sharing the store may add earlier schedules, so the runner wakes at least this
   * often to ask the store. Default 60 s.
   */
  maxWaitMs?: number;
  /** How long a claim protects a delivery from other runners. Default 60 s. */
  leaseMs?: number;
  /** Schedules claimed per store round trip. Default 100. */
  batchSize?: number;
  lateToleranceMs?: number;
  /** Errors from the store or from `deliver`; the runner keeps running. */
  onError?: (error: unknown, schedule?: Schedule) => void;
}

/**
 * Delivers schedules when the store says they are due. Each wake: claim due schedules in
 * batches, deliver each, `complete` it with its next occurrence (a recurring schedule that missed
 * several occurrences while the hub was down delivers one, late, then resumes after now), then
 * sleep until the store's next due time, never longer than `maxWaitMs`.
 */
export class ScheduleRunner {
  readonly workerId: string;
  readonly #o: Required<Omit<ScheduleRunnerOptions, 'workerId' | 'onError'>> &
    Pick<ScheduleRunnerOptions, 'onError'>;
  #timer: unknown;
  #isRunning = false;
  #pass: Promise<void> | undefined;
  #wantsAnotherPass = false;

  constructor(options: ScheduleRunnerOptions) {
    const maxWaitMs = options.maxWaitMs ?? 60_000;
    if (!(maxWaitMs > 0 && maxWaitMs <= MAX_TIMER_DELAY_MS)) {
      throw new RangeError(`maxWaitMs must be in 1..${MAX_TIMER_DELAY_MS}, got ${maxWaitMs}`);
    }
    this.workerId = options.workerId ?? uuidv7(options.clock.nowMs());
    this.#o = {
      timers: systemTimers,
      leaseMs: 60_000,
      batchSize: 100,
      lateToleranceMs: DEFAULT_LATE_TOLERANCE_MS,
      ...options,
      maxWaitMs,
    };
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
      // The claimed batch is delivered concurrently, in due order: the event store commits the
      // appends of one turn together (one fsync for the batch instead of one per event).
      const delivered = await Promise.all(batch.map((schedule) => this.#deliverOne(schedule)));
      const completions = delivered.filter((completion) => completion !== undefined);
      // One store transaction per batch; a crash before it only causes deduplicated redeliveries.
      if (completions.length > 0) await this.#o.store.completeAll(completions, this.workerId);
      deliveredCount += completions.length;
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
    let nextDueMs: number | null = null;
    try {
      nextDueMs = nextDueAfter(schedule, Math.max(schedule.dueAtMs, deliveredAtMs));
    } catch (error) {
      this.#o.onError?.(error, schedule); // a stored rule that no longer parses: finish the schedule
    }
    return { id: schedule.id, nextDueMs, delivery: { deliveredAtMs, lateByMs } };
  }
}

import type { Timers } from '../clock/index.js';
import {
  defaultPublishLimits,
  type Hub,
  PublishError,
  type PublishInput,
  type PublishLimits,
  toNewEvent,
} from '../hub/index.js';
import { type DeliveryTime, type DeliveryTimeInput, resolveDeliveryTime, uuidv7 } from '../time/index.js';
import { type Delivery, ScheduleRunner } from './runner.js';
import { newSchedule, type Schedule } from './schedule.js';
import type { ScheduleFilter, ScheduleStore } from './store.js';

export interface ScheduleServiceOptions {
  hub: Hub;
  store: ScheduleStore;
  timers?: Timers | undefined;
  /** Identifies this process in claims (default: a fresh UUIDv7). */
  workerId?: string | undefined;
  maxWaitMs?: number | undefined;
  leaseMs?: number | undefined;
  /** Schedules claimed per store round trip. */
  batchSize?: number | undefined;
  lateToleranceMs?: number | undefined;
  /** How far ahead a delivery may be asked for. Default 10 years (`DEFAULT_HORIZON_MS`). */
  horizonMs?: number | undefined;
  publishLimits?: Partial<PublishLimits> | undefined;
  onError?: ((error: unknown, schedule?: Schedule) => void) | undefined;
}

/** A publication accepted for later delivery. */
export interface ScheduledPublication {
  schedule: Schedule;
  delivery: DeliveryTime;
}

/**
 * Deferred and recurring publication (a Herald extension to Mercure): validates a publish exactly as
 * an immediate one, stores it in the `ScheduleStore`, and runs the `ScheduleRunner` that publishes each
 * occurrence through the hub's normal path (store, broker, fan-out) when it falls due.
 *
 * Exactly once: each occurrence is published with the id `occurrenceEventId(schedule, due)` as an
 * exclusive id, so a redelivery (a crash between append and `complete`, a lease taken over by
 * another process) is refused by the event store, and `Hub.publish` resolves with the event already
 * kept, delivering nothing.
 */
export class ScheduleService {
  readonly runner: ScheduleRunner;
  readonly store: ScheduleStore;
  readonly #hub: Hub;
  readonly #limits: PublishLimits;
  readonly #horizonMs: number | undefined;

  constructor(options: ScheduleServiceOptions) {
    this.#hub = options.hub;
    this.store = options.store;
    this.#limits = { ...defaultPublishLimits, ...options.publishLimits };
    this.#horizonMs = options.horizonMs;
    this.runner = new ScheduleRunner({
      store: options.store,
      clock: options.hub.clock,
      deliver: (delivery) => this.deliver(delivery),
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      ...(options.workerId === undefined ? {} : { workerId: options.workerId }),
      ...(options.maxWaitMs === undefined ? {} : { maxWaitMs: options.maxWaitMs }),
      ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      ...(options.lateToleranceMs === undefined ? {} : { lateToleranceMs: options.lateToleranceMs }),
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    });
  }

  /** Delivers what fell due while the hub was down (marked late), then keeps waking. */
  start(): Promise<void> {
    return this.runner.start();
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  nowMs(): number {
    return this.#hub.clock.nowMs();
  }

  /**
   * The delivery time of a publish, or `undefined` when it asks for none (publish now).
   * Throws `TimeError` (400, naming the field).
   */
  resolve(input: DeliveryTimeInput): DeliveryTime | undefined {
    return resolveDeliveryTime(input, { nowMs: this.#hub.clock.nowMs(), horizonMs: this.#horizonMs });
  }

  /**
   * Validates `input` as an immediate publish would (same `toNewEvent`), then stores the schedule and
   * wakes the runner. The caller has authorized the topics. A past instant is due now.
   */
  async publishLater(
    input: PublishInput,
    delivery: DeliveryTime,
    ownerId?: string | undefined,
  ): Promise<ScheduledPublication> {
    if (input.id !== undefined) {
      // Each occurrence's id is derived from (schedule id, due instant): that is what makes a
      // redelivery a refused duplicate. A publisher's id would be reused by every occurrence.
      throw new PublishError('ID_INVALID', '"id" cannot be given with a delivery time', 'id');
    }
    const nowMs = this.#hub.clock.nowMs();
    const scheduleId = `urn:uuid:${uuidv7(nowMs)}`;
    const { id: _id, topics, ...event } = toNewEvent(input, this.#limits, () => scheduleId);
    const schedule = await this.store.add(
      newSchedule(delivery, { id: scheduleId, topics, ownerId, event, createdAtMs: nowMs }),
    );
    this.runner.poke();
    return { schedule, delivery };
  }

  get(id: string): Promise<Schedule | undefined> {
    return this.store.get(id);
  }

  list(filter?: ScheduleFilter): Promise<Schedule[]> {
    return this.store.list(filter);
  }

  /** False when unknown or already done/cancelled. */
  cancel(id: string): Promise<boolean> {
    return this.store.cancel(id);
  }

  /**
   * The runner's `deliver`: one occurrence through the hub's publish path. Its id is exclusive: if an
   * earlier attempt (ours before a crash, or another process's) appended it, this one stores nothing.
   */
  async deliver(delivery: Delivery): Promise<void> {
    const { schedule } = delivery;
    await this.#hub.publish(
      {
        id: delivery.eventId,
        topics: schedule.topics,
        data: schedule.event.data,
        type: schedule.event.type,
        retry: schedule.event.retryMs,
        isPrivate: schedule.event.isPrivate,
      },
      { isIdExclusive: true },
    );
  }

  /** Stops the runner and closes the schedule store. */
  async close(): Promise<void> {
    await this.runner.stop();
    await this.store.close();
  }
}

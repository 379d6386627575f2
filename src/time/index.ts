/**
 * herald time: instants (integer ms UTC, RFC 3339 on the wire), UUIDv7, delivery times across
 * zones (Temporal semantics), RRULE recurrence, and the durable scheduler. See README.md.
 */
export type { CivilDate, WallTime } from './civil.js';
export {
  DEFAULT_HORIZON_MS,
  DELIVERY_FIELDS,
  type DeliveryTime,
  type DeliveryTimeInput,
  deliveryInputFromForm,
  type ResolveDeliveryOptions,
  resolveDeliveryTime,
} from './delivery-time.js';
export { TimeError, type TimeErrorCode } from './errors.js';
export { formatInstant, isInstantMs, parseInstant } from './instant.js';
export { occurrenceEventId } from './occurrence-id.js';
export { nextOccurrence, type Occurrence, type RecurrenceAnchor } from './recurrence.js';
export { type Frequency, formatRrule, parseRrule, type RecurrenceRule, type WeekdayRule } from './rrule.js';
export {
  DEFAULT_LATE_TOLERANCE_MS,
  type NewSchedule,
  newSchedule,
  nextDueAfter,
  type Schedule,
  type ScheduledEvent,
  type ScheduleJson,
  type ScheduleState,
  scheduleToJson,
} from './schedule.js';
export {
  type Completion,
  type DeliveryRecord,
  type ScheduleFilter,
  type ScheduleStore,
  ScheduleStoreError,
  type ScheduleStoreErrorCode,
} from './schedule-store.js';
export {
  type Delivery,
  MAX_TIMER_DELAY_MS,
  Scheduler,
  type SchedulerOptions,
  systemTimers,
  type TimerFunctions,
} from './scheduler.js';
export { createUuidv7Generator, timeOfUuidv7, uuidv7 } from './uuidv7.js';
export { type Disambiguation, parseDisambiguation, parseZone } from './zoned-time.js';

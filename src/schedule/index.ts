/**
 * Scheduled and recurring publication (a Herald extension to Mercure): the `Schedule` model, the
 * `ScheduleStore` port (adapters in src/store), the `ScheduleRunner` that claims and delivers due
 * occurrences, and the `ScheduleService` that the HTTP layer and applications call. See docs/time.md.
 */
export { occurrenceEventId } from './occurrence-id.js';
export { type Delivery, ScheduleRunner, type ScheduleRunnerOptions } from './runner.js';
export {
  DEFAULT_LATE_TOLERANCE_MS,
  type NewSchedule,
  type NextDue,
  newSchedule,
  nextDueAfter,
  type Schedule,
  type ScheduledEvent,
  type ScheduleJson,
  type ScheduleState,
  scheduleToJson,
} from './schedule.js';
export { type ScheduledPublication, ScheduleService, type ScheduleServiceOptions } from './service.js';
export {
  type Completion,
  DEFAULT_LIST_LIMIT,
  type DeliveryRecord,
  type ScheduleFilter,
  type ScheduleStore,
  ScheduleStoreError,
  type ScheduleStoreErrorCode,
} from './store.js';

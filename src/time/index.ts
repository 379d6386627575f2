/**
 * herald time: instants (integer ms UTC, RFC 3339 on the wire), UUIDv7, wall times in IANA zones
 * (Temporal semantics, DST policies), delivery times and the RRULE subset. Pure: no I/O, no timers,
 * no other folder of Herald. See README.md.
 */
export type { CivilDate, WallTime } from './civil.js';
export { lexDateTime } from './date-time-text.js';
export {
  DEFAULT_HORIZON_MS,
  DELIVERY_FIELDS,
  type DeliveryTime,
  type DeliveryTimeInput,
  type ResolveDeliveryOptions,
  resolveDeliveryTime,
} from './delivery-time.js';
export { TimeError, type TimeErrorCode } from './errors.js';
export { formatInstant, isInstantMs, parseInstant } from './instant.js';
export {
  MAX_SEARCH_STEPS,
  nextOccurrence,
  type Occurrence,
  type OccurrenceCursor,
  type OccurrenceSearchOptions,
  type RecurrenceAnchor,
  searchOccurrence,
} from './recurrence.js';
export { type Frequency, formatRrule, parseRrule, type RecurrenceRule, type WeekdayRule } from './rrule.js';
export { createUuidv7Generator, formatUuidv7, timeOfUuidv7, uuidv7 } from './uuidv7.js';
export { type Disambiguation, parseDisambiguation, parseZone } from './zoned-time.js';

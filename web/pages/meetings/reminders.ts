import { type SharedEventSource, timeOfEventId } from '../../../src/client/index.js';
import { h, isShowableTime, parseJsonObject, prependBounded } from '../../shared/dom.js';
import type { DemoSession, DemoUser } from '../../shared/session.js';
import { Toasts } from '../../shared/toasts.js';
import type { ReminderData } from './booking.js';
import { cityOf, formatInZone, formatPreciseClockInZone, isTimeZone } from './zones.js';

const TOAST_MS = 12_000;
const MAX_LISTED = 8;
/** The booking form's bounds (meetings.html), so a forged reminder cannot flood the page. */
const MAX_TITLE_LENGTH = 80;
const MAX_TEXT_LENGTH = 40;
const MAX_DURATION_MINUTES = 24 * 60;

export interface ReceivedReminder {
  title: string;
  dueMs: number;
  lateMs: number;
}

/**
 * The user's own private topic, `users/{id}`, over the stream shared by all of this user's tabs
 * (`DemoSession.userStream`, which also carries the notifications: only `reminder` events count). A reminder is an ordinary update that Herald published at its due instant; the id of an
 * occurrence is a UUIDv7 of that due instant, so its lateness is read off the id.
 */
export function listenForReminders(
  session: DemoSession,
  user: DemoUser,
  onReminder: (reminder: ReceivedReminder) => void,
): SharedEventSource {
  const source = session.userStream();
  const list = document.getElementById('reminder-list');
  const region = document.getElementById('toasts');
  const toasts =
    region === null
      ? undefined
      : new Toasts(region, {
          durationMs: TOAST_MS,
          // A dismissed (or crowded out) toast that had the focus hands it to the booking form.
          returnFocusTo: () => document.querySelector<HTMLElement>('#booking button[type="submit"]'),
        });
  source.addEventListener('reminder', (event) => {
    const arrivedMs = Date.now();
    const data = parseReminder(event.data);
    if (data === undefined || list === null) return;
    const dueMs = timeOfEventId(event.lastEventId) ?? arrivedMs;
    const lateMs = arrivedMs - dueMs;
    list.querySelector('.empty')?.remove();
    prependBounded(list, describe(data, user, dueMs, lateMs, 'li'), MAX_LISTED);
    toasts?.show(describe(data, user, dueMs, lateMs, 'div'), { className: 'reminder-toast' });
    onReminder({ title: data.title, dueMs, lateMs });
  });
  return source;
}

function describe<K extends 'li' | 'div'>(
  data: ReminderData,
  user: DemoUser,
  dueMs: number,
  lateMs: number,
  tag: K,
): HTMLElementTagNameMap[K] {
  const zone = user.timeZone;
  const starts =
    data.startMs === null
      ? `Booked for ${data.local.replace('T', ' ')} in ${cityOf(data.zone)}`
      : `Starts ${formatInZone(data.startMs, zone)} your time (${cityOf(zone)})`;
  const late = lateMs >= 0 ? `${lateMs} ms late` : `${-lateMs} ms early (the clocks differ)`;
  return h(
    tag,
    { class: 'reminder' },
    h('p', { class: 'reminder-title' }, data.title),
    h('p', {}, `${starts} · ${data.durationMinutes} min · booked by ${data.organizer} · ${data.lead}`),
    h('p', { class: 'reminder-late' }, `Due ${formatPreciseClockInZone(dueMs, zone)}, arrived ${late}`),
  ) as HTMLElementTagNameMap[K];
}

/**
 * The event's data as `ReminderData`, or `undefined`: anyone with a demo token may publish on a
 * user's topic, and a zone or an instant that `Intl` refuses would throw while rendering. Invalid
 * reminders are dropped without a word; texts are cut to the form's lengths.
 */
export function parseReminder(data: string): ReminderData | undefined {
  const value = parseJsonObject(data);
  if (value === undefined) return undefined;
  const { meetingId, title, organizer, zone, local, startMs, durationMinutes, lead } = value;
  if (!isText(meetingId) || !isText(title) || !isText(organizer) || !isText(local) || !isText(lead)) {
    return undefined;
  }
  if (!isText(zone) || !isTimeZone(zone)) return undefined;
  if (startMs !== null && !isShowableTime(startMs)) return undefined;
  if (
    typeof durationMinutes !== 'number' ||
    !(durationMinutes > 0 && durationMinutes <= MAX_DURATION_MINUTES)
  ) {
    return undefined;
  }
  return {
    meetingId: meetingId.slice(0, MAX_TEXT_LENGTH),
    title: title.slice(0, MAX_TITLE_LENGTH),
    organizer: organizer.slice(0, MAX_TEXT_LENGTH),
    zone,
    local: local.slice(0, MAX_TEXT_LENGTH),
    startMs,
    durationMinutes,
    lead: lead.slice(0, MAX_TEXT_LENGTH),
  };
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

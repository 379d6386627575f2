import { h } from '../../shared/dom.js';
import type { DemoUser } from '../../shared/session.js';
import type { Booking } from './booking.js';
import {
  cityOf,
  clockChange,
  dayShift,
  dayShiftLabel,
  formatClockInZone,
  formatInZone,
  offsetLabel,
  resolveReading,
} from './zones.js';

/**
 * One row per participant: the meeting's start on their wall clock, their UTC offset then, and
 * "next day" / "previous day" when their date is not the organizer's. A row for the booking zone
 * itself comes first when no participant lives there.
 */
export function zoneRows(startMs: number, zone: string, participants: readonly DemoUser[]): HTMLLIElement[] {
  const rows: HTMLLIElement[] = [];
  if (!participants.some((user) => user.timeZone === zone)) {
    rows.push(zoneRow(startMs, zone, zone, { label: 'Booked in', key: 'booking-zone' }));
  }
  for (const user of participants) {
    rows.push(zoneRow(startMs, user.timeZone, zone, { label: user.name, key: user.id }));
  }
  return rows;
}

function zoneRow(
  startMs: number,
  zone: string,
  reference: string,
  who: { label: string; key: string },
): HTMLLIElement {
  const shift = dayShiftLabel(dayShift(startMs, zone, reference));
  return h(
    'li',
    { class: 'zone-row', 'data-user': who.key },
    h('span', { class: 'zone-who' }, h('b', {}, who.label), ' ', h('small', { title: zone }, cityOf(zone))),
    h('span', { class: 'zone-when' }, formatInZone(startMs, zone)),
    h('span', { class: 'zone-offset' }, offsetLabel(startMs, zone)),
    ...(shift === '' ? [] : [h('span', { class: 'zone-day' }, shift)]),
  );
}

/**
 * What DST does to the chosen wall time, before anything is sent: nothing (empty), a gap (the
 * time never happens that day) or an overlap (it happens twice), with what each policy picks.
 */
export function dstNote(meeting: Booking): (Node | string)[] {
  const { reading, zone, policy } = meeting;
  if (reading.kind === 'unique') return [];
  const city = cityOf(zone);
  const time = meeting.local.slice(11, 16);
  // The date as typed (noon UTC is that date in UTC): a reading may fall on the day before.
  const day = formatInZone(Date.parse(`${meeting.local.slice(0, 10)}T12:00Z`), 'UTC', {
    withYear: true,
  }).split(',')[0];
  const change = clockChange(reading, zone);
  const at = (ms: number) => `${formatClockInZone(ms, zone)} (${offsetLabel(ms, zone)})`;
  const chosen = resolveReading(reading, policy);
  const outcome =
    chosen === undefined
      ? h('strong', {}, 'With “reject”, Herald will refuse the booking and name both candidates.')
      : h('strong', {}, `With “${policy}”, Herald will deliver at ${at(chosen)}.`);
  if (reading.kind === 'gap') {
    return [
      h('b', {}, `${time} does not exist in ${city} on ${day}`),
      `: the clocks jump ${change}. “compatible” and “later” move it forward to ${at(reading.laterMs)}, “earlier” back to ${at(reading.earlierMs)}. `,
      outcome,
    ];
  }
  return [
    h('b', {}, `${time} happens twice in ${city} on ${day}`),
    `: the clocks fall back ${change}. “compatible” and “earlier” take the first, ${at(reading.earlierMs)}; “later” the second, ${at(reading.laterMs)}. `,
    outcome,
  ];
}

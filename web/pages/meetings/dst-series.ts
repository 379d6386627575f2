import { Temporal } from 'temporal-polyfill';
import { h } from '../../shared/dom.js';
import type { DemoUser } from '../../shared/session.js';
import { cityOf, formatClockInZone, formatInZone, offsetLabel } from './zones.js';

/** Mondays at 15:00 in Oslo, from the week before the US change to the week after the EU one. */
export const DST_SERIES = {
  zone: 'Europe/Oslo',
  wallTime: '15:00',
  firstDate: '2027-03-08',
  weeks: 5,
} as const;

/**
 * The series' instants, generated as Herald generates `deliver_rrule` occurrences: the date steps
 * in wall time (a week is seven calendar days, not 168 hours), then each date's 15:00 is resolved
 * in the organizer's zone.
 */
export function seriesInstants(): number[] {
  const first = Temporal.PlainDate.from(DST_SERIES.firstDate);
  const time = Temporal.PlainTime.from(DST_SERIES.wallTime);
  return Array.from(
    { length: DST_SERIES.weeks },
    (_, week) =>
      first
        .add({ weeks: week })
        .toPlainDateTime(time)
        .toZonedDateTime(DST_SERIES.zone, { disambiguation: 'compatible' }).epochMilliseconds,
  );
}

/**
 * A table: one row per week, one column per zone (the organizer's first, UTC last: on a phone the
 * columns that tell the story are the ones in view), changed cells marked.
 */
export function renderSeriesTable(table: HTMLTableElement, users: readonly DemoUser[]): void {
  const zones = [...new Set([DST_SERIES.zone, ...users.map((user) => user.timeZone)]), 'UTC'];
  const namesIn = (zone: string) =>
    users
      .filter((user) => user.timeZone === zone)
      .map((user) => user.name)
      .join(', ');
  const head = h(
    'tr',
    {},
    h('th', { scope: 'col' }, 'Monday', h('small', {}, '2027')),
    ...zones.map((zone) =>
      h(
        'th',
        { scope: 'col', 'data-zone': zone },
        zone === 'UTC' ? 'UTC' : cityOf(zone),
        ...(zone === 'UTC' ? [] : [h('small', {}, namesIn(zone))]),
      ),
    ),
  );
  const instants = seriesInstants();
  const rows = instants.map((ms, week) => {
    const previous = instants[week - 1];
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, formatInZone(ms, DST_SERIES.zone).split(',')[0] ?? ''),
      ...zones.map((zone) => {
        const clock = formatClockInZone(ms, zone);
        const isChanged = previous !== undefined && formatClockInZone(previous, zone) !== clock;
        return h(
          'td',
          { 'data-zone': zone, class: isChanged ? 'changed' : '' },
          h('span', { class: 'cell-time' }, clock),
          ...(isChanged ? [h('span', { class: 'visually-hidden' }, ' (changed)')] : []),
          // May break after "UTC" where the column is narrow (a phone).
          h('small', {}, ...breakAfterUtc(offsetLabel(ms, zone))),
        );
      }),
    );
  });
  const caption = table.querySelector('caption');
  table.replaceChildren(...(caption ? [caption] : []), h('thead', {}, head), h('tbody', {}, ...rows));
}

/** `UTC+01:00` as `UTC`, a line-break opportunity, `+01:00`. */
function breakAfterUtc(label: string): (Node | string)[] {
  return label.startsWith('UTC') ? ['UTC', h('wbr'), label.slice(3)] : [label];
}

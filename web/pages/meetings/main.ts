import '../../shared/demo.css';
import './meetings.css';
import { byId, h } from '../../shared/dom.js';
import { followConnection, markReady, mountLayout, showBanner } from '../../shared/layout.js';
import { DemoSession, type DemoUser, userFromLocation } from '../../shared/session.js';
import { renderUserSwitcher } from '../../shared/user-switcher.js';
import { pendingReminders, renderBooked } from './booked.js';
import { type Booking, booking, LEADS, type Lead, publishReminders } from './booking.js';
import { dstNote, zoneRows } from './clock-view.js';
import { DST_SERIES, renderSeriesTable } from './dst-series.js';
import { listenForReminders, type ReceivedReminder } from './reminders.js';
import { cityOf, type Disambiguation, dateAndTimeIn } from './zones.js';

/** Zones to book in beyond the fake users' own. */
const MORE_ZONES = [
  'UTC',
  'Europe/London',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Asia/Kolkata',
  'Australia/Sydney',
  'Pacific/Auckland',
];

/** What the page exposes to tests as `window.heraldDemo.state`. */
export interface MeetingsState {
  user: string;
  reminders: ReceivedReminder[];
  /** Bookings made from this tab, newest last, with the ids of their pending schedules. */
  booked: { title: string; scheduleIds: string[] }[];
}

const DEFAULT_USER = 'alice';

const setConnection = mountLayout('meetings');

const form = byId<HTMLFormElement>('booking');
const title = byId<HTMLInputElement>('meeting-title');
const date = byId<HTMLInputElement>('meeting-date');
const time = byId<HTMLInputElement>('meeting-time');
const duration = byId<HTMLSelectElement>('meeting-duration');
const zone = byId<HTMLSelectElement>('meeting-zone');
const lead = byId<HTMLSelectElement>('meeting-lead');
const policy = byId<HTMLSelectElement>('meeting-policy');
const status = byId('booking-status');

start().catch((error: unknown) => {
  setConnection('closed');
  showBanner(`The meetings page could not start: ${error instanceof Error ? error.message : String(error)}`);
});

async function start(): Promise<void> {
  // An unknown `?as=` acts as the default user, and says so, as every page of the demo does.
  const { session, fellBack } = await DemoSession.openAs(userFromLocation(DEFAULT_USER), DEFAULT_USER);
  if (fellBack !== undefined) showBanner(fellBack);
  const me = session.user;
  if (me === undefined) throw new Error('the hub answered a user token without its user');
  const users = session.users;
  renderIdentities(users, me);
  setUpForm(users, me);
  renderSeriesTable(byId<HTMLTableElement>('dst-table'), users);

  const state: MeetingsState = { user: me.id, reminders: [], booked: [] };
  let isBooking = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (isBooking) return;
    const meeting = readForm(users);
    if (meeting === undefined) {
      status.textContent = 'Pick a date and a time.';
      return;
    }
    if (meeting.participants.length === 0) {
      status.textContent = 'Pick at least one participant.';
      return;
    }
    isBooking = true;
    status.textContent = 'Scheduling the reminders…';
    try {
      const outcomes = await publishReminders(session, meeting, crypto.randomUUID(), me.name);
      byId('booked-list').prepend(renderBooked(session, meeting, outcomes));
      state.booked.push({
        title: meeting.title,
        scheduleIds: pendingReminders(outcomes).map((reminder) => reminder.scheduleId),
      });
      const scheduled = outcomes.filter((outcome) => outcome.ok).length;
      status.textContent =
        scheduled === outcomes.length
          ? `Booked “${meeting.title}”: ${scheduled} reminder${scheduled === 1 ? '' : 's'} scheduled on Herald.`
          : `Herald refused ${outcomes.length - scheduled} of ${outcomes.length} reminders: see “Booked from this tab”.`;
    } catch (error) {
      status.textContent = `Booking failed: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      isBooking = false;
    }
  });

  byId('reminders-hint').replaceChildren(
    'Private updates on ',
    h('code', {}, `users/${me.id}`),
    `, which only ${me.name}'s token may read, over one stream shared by all of ${me.name}'s tabs. Times in ${me.name}'s zone, ${me.timeZone}.`,
  );
  const source = listenForReminders(session, me, (reminder) => state.reminders.push(reminder));
  followConnection(source, setConnection);
  source.addEventListener('open', () => markReady(state), { once: true });
}

function setUpForm(users: readonly DemoUser[], me: DemoUser): void {
  const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = [...new Set([me.timeZone, ...users.map((user) => user.timeZone), ...MORE_ZONES, viewerZone])];
  zone.replaceChildren(
    ...zones.map((id) => {
      const living = users.filter((user) => user.timeZone === id).map((user) => user.name);
      return h('option', { value: id }, living.length > 0 ? `${id} (${living.join(', ')})` : id);
    }),
  );
  zone.value = me.timeZone;
  byId('meeting-participants').replaceChildren(
    ...users.map((user) => {
      const box = h('input', {
        type: 'checkbox',
        name: 'participant',
        value: user.id,
        id: `participant-${user.id}`,
      });
      box.checked = true;
      return h(
        'label',
        { class: 'participant', for: `participant-${user.id}` },
        box,
        h('span', {}, user.id === me.id ? `${user.name} (you)` : user.name),
        h('small', {}, cityOf(user.timeZone)),
      );
    }),
  );
  lead.replaceChildren(...LEADS.map(({ value, label }) => h('option', { value }, label)));
  // Next quarter hour, an hour from now, on the organizer's clock.
  const quarterMs = 15 * 60_000;
  const startMs = Math.ceil((Date.now() + 60 * 60_000) / quarterMs) * quarterMs;
  const initial = dateAndTimeIn(startMs, me.timeZone);
  date.value = initial.date;
  time.value = initial.time;

  const refresh = () => renderPreview(readForm(users));
  form.addEventListener('input', refresh);
  form.addEventListener('change', refresh);
  byId('preset-gap').addEventListener('click', () => {
    title.value = 'Night maintenance';
    date.value = '2027-03-28';
    time.value = '02:30';
    zone.value = DST_SERIES.zone;
    lead.value = '0';
    policy.value = 'compatible';
    refresh();
    form.scrollIntoView({ block: 'start' });
    form.querySelector<HTMLButtonElement>('button[type="submit"]')?.focus({ preventScroll: true });
    status.textContent =
      'The form now holds 02:30 on 28 March 2027 in Oslo: see the note above the preview, then book.';
  });
  refresh();
}

function readForm(users: readonly DemoUser[]): Booking | undefined {
  if (date.value === '' || time.value === '') return undefined;
  const chosen = new Set(
    [...form.querySelectorAll<HTMLInputElement>('input[name="participant"]:checked')].map((box) => box.value),
  );
  return booking({
    title: title.value.trim() || 'Meeting',
    local: `${date.value}T${time.value.slice(0, 5)}`,
    zone: zone.value,
    durationMinutes: Number(duration.value),
    participants: users.filter((user) => chosen.has(user.id)),
    lead: lead.value as Lead,
    policy: policy.value as Disambiguation,
  });
}

function renderPreview(meeting: Booking | undefined): void {
  const note = byId('dst-note');
  const preview = byId('zone-preview');
  if (meeting === undefined) {
    note.replaceChildren();
    preview.replaceChildren(h('li', { class: 'zone-empty' }, 'Pick a date and a time.'));
    return;
  }
  note.replaceChildren(...dstNote(meeting));
  note.classList.toggle('active', meeting.reading.kind !== 'unique');
  preview.replaceChildren(
    ...(meeting.startMs === undefined
      ? [h('li', { class: 'zone-empty' }, 'No instant: under “reject” Herald refuses this time.')]
      : zoneRows(meeting.startMs, meeting.zone, meeting.participants)),
  );
}

function renderIdentities(users: readonly DemoUser[], me: DemoUser): void {
  const entries = users.map((user) => ({ id: user.id, label: user.name }));
  renderUserSwitcher(byId('meeting-users'), entries, me.id, (id) => `?as=${id}`);
}

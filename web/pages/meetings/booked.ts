import { h } from '../../shared/dom.js';
import type { DemoSession, DemoUser } from '../../shared/session.js';
import { type Booking, type CancelOutcome, cancelReminders, LEADS, type ReminderOutcome } from './booking.js';
import { zoneRows } from './clock-view.js';
import { cityOf, formatInZone, offsetLabel } from './zones.js';

const NAME_LIST = new Intl.ListFormat('en-GB', { type: 'conjunction' });

/** A reminder Herald holds in its store until it is delivered or cancelled. */
interface PendingReminder {
  user: DemoUser;
  scheduleId: string;
  dueAtMs: number;
}

/** `setTimeout` fires at once beyond this (2^31 − 1 ms, about 24 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** The scheduler's usual lateness is milliseconds: past this, the reminders are out. */
const DELIVERY_MARGIN_MS = 2_000;

/**
 * A booked meeting: its time on everyone's clock, what Herald answered for the reminders, and a
 * button that cancels those still pending.
 */
export function renderBooked(
  session: DemoSession,
  meeting: Booking,
  outcomes: readonly ReminderOutcome[],
): HTMLLIElement {
  const leadLabel = LEADS.find((option) => option.value === meeting.lead)?.short ?? meeting.lead;
  const item = h(
    'li',
    { class: 'booked' },
    h(
      'p',
      { class: 'booked-head' },
      h('b', {}, meeting.title),
      ' ',
      h(
        'small',
        {},
        `${meeting.local.replace('T', ' ')} ${meeting.zone} · ${meeting.durationMinutes} min · ${leadLabel}`,
      ),
    ),
  );
  if (meeting.startMs !== undefined) {
    item.append(
      h(
        'ul',
        { class: 'zone-rows compact' },
        ...zoneRows(meeting.startMs, meeting.zone, meeting.participants),
      ),
    );
  }
  // Every participant's reminder has the same fields: group the answers rather than repeat them.
  const groups = new Map<string, { outcome: ReminderOutcome; names: string[] }>();
  for (const outcome of outcomes) {
    const key = outcome.ok
      ? `ok ${outcome.schedule.requestedAtMs}`
      : `no ${outcome.status} ${outcome.message}`;
    const group = groups.get(key) ?? { outcome, names: [] };
    group.names.push(outcome.user.name);
    groups.set(key, group);
  }
  for (const { outcome, names } of groups.values()) item.append(renderAnswer(outcome, names, meeting.zone));
  // A reminder whose time had passed went out at once: nothing is left to cancel for it.
  const pending = pendingReminders(outcomes);
  if (pending.length > 0) item.append(cancelControl(session, meeting.title, pending));
  return item;
}

/** The schedule ids Herald answered with, for the reminders it will deliver later. */
export function pendingReminders(outcomes: readonly ReminderOutcome[]): PendingReminder[] {
  return outcomes.flatMap((outcome) =>
    outcome.ok && !outcome.schedule.isPast
      ? [{ user: outcome.user, scheduleId: outcome.schedule.id, dueAtMs: outcome.schedule.dueAtMs }]
      : [],
  );
}

function renderAnswer(outcome: ReminderOutcome, names: string[], bookingZone: string): HTMLElement {
  const whom = NAME_LIST.format(names);
  if (!outcome.ok) {
    return h(
      'p',
      { class: 'hub-answer refused' },
      `Herald refused the reminder${names.length > 1 ? 's' : ''} for ${whom}: ${outcome.status} `,
      h('code', {}, outcome.message),
    );
  }
  const { schedule } = outcome;
  const zoneId = schedule.zone ?? bookingZone;
  return h(
    'p',
    { class: 'hub-answer' },
    `Herald scheduled the reminder${names.length > 1 ? 's' : ''} for ${whom}: `,
    h('code', {}, `${schedule.local ?? '?'} ${zoneId}`),
    ' → ',
    h('code', { class: 'hub-instant' }, schedule.requestedAt),
    ` (${formatInZone(schedule.requestedAtMs, zoneId)} in ${cityOf(zoneId)}, ${offsetLabel(schedule.requestedAtMs, zoneId)})`,
    schedule.isPast ? ': already past, so Herald delivered it at once.' : '.',
  );
}

/**
 * "Cancel reminders": one `DELETE` per pending schedule, then the hub's answers in a status line.
 * The button stays in place and focusable once done (`aria-disabled`, a new label): disabling or
 * removing it would drop a keyboard user's focus to the top of the page.
 */
function cancelControl(session: DemoSession, title: string, reminders: PendingReminder[]): HTMLElement {
  const button = h('button', { type: 'button', class: 'cancel-reminders' });
  // Which meeting, for a screen reader going from button to button; seen, the entry says it.
  const label = (text: string) =>
    button.replaceChildren(text, h('span', { class: 'visually-hidden' }, ` (${title})`));
  label('Cancel reminders');
  const result = h('p', { class: 'cancel-result', role: 'status' });
  let left = reminders;
  let isBusy = false;
  // Once every reminder is due, Herald has sent them: there is nothing left to cancel.
  const sentInMs =
    Math.max(...reminders.map((reminder) => reminder.dueAtMs)) + DELIVERY_MARGIN_MS - Date.now();
  const sentTimer =
    sentInMs < MAX_TIMER_MS
      ? setTimeout(() => {
          if (isBusy || left.length === 0) return;
          left = [];
          button.setAttribute('aria-disabled', 'true');
          label('Reminders sent');
        }, sentInMs)
      : undefined;
  button.addEventListener('click', async () => {
    if (isBusy || left.length === 0) return;
    isBusy = true;
    button.setAttribute('aria-disabled', 'true');
    label('Cancelling…');
    const outcomes = await cancelReminders(session, left);
    // Cancelled, already delivered (409) or gone (404): nothing more to cancel for those.
    left = left.filter((_, index) => {
      const outcome = outcomes[index];
      return outcome !== undefined && !outcome.ok && outcome.status !== 409 && outcome.status !== 404;
    });
    result.replaceChildren(...describeCancel(outcomes));
    isBusy = false;
    if (left.length === 0) {
      clearTimeout(sentTimer);
      label('Reminders cancelled');
    } else {
      button.removeAttribute('aria-disabled');
      label('Try cancelling again');
    }
  });
  return h('div', { class: 'booked-actions' }, button, result);
}

function describeCancel(outcomes: readonly CancelOutcome[]): (Node | string)[] {
  const namesWhere = (keep: (outcome: CancelOutcome) => boolean) =>
    outcomes.filter(keep).map((outcome) => outcome.user.name);
  const cancelled = namesWhere((outcome) => outcome.ok);
  const finished = namesWhere((outcome) => !outcome.ok && (outcome.status === 409 || outcome.status === 404));
  const failed = outcomes.filter(
    (outcome) => !outcome.ok && outcome.status !== 409 && outcome.status !== 404,
  );
  const sentences: (Node | string)[][] = [];
  if (cancelled.length > 0) {
    sentences.push([
      `Cancelled: Herald will not send the reminder${cancelled.length > 1 ? 's' : ''} for ${NAME_LIST.format(cancelled)}.`,
    ]);
  }
  if (finished.length > 0) {
    sentences.push([`Nothing to cancel for ${NAME_LIST.format(finished)}: already delivered or cancelled.`]);
  }
  for (const outcome of failed) {
    if (outcome.ok) continue;
    sentences.push([
      `Herald could not cancel ${outcome.user.name}'s reminder: ${outcome.status === 0 ? 'no answer' : outcome.status} `,
      h('code', {}, outcome.message),
    ]);
  }
  return sentences.flatMap((sentence, index) => (index === 0 ? sentence : [' ', ...sentence]));
}

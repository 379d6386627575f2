import type { DemoSession, DemoUser } from '../../shared/session.js';
import {
  type Disambiguation,
  readWallTime,
  resolveReading,
  type WallTimeReading,
  wallTimeWithOffset,
} from './zones.js';

/** When the reminder goes out. `soon` is for trying the page: a few seconds from now. */
export const LEADS = [
  { value: 'soon', label: 'In 5 seconds (to see one arrive)', short: 'reminder 5 s after booking' },
  { value: '0', label: 'At the start', short: 'reminder at the start' },
  { value: '1', label: '1 minute before', short: 'reminder 1 min before' },
  { value: '10', label: '10 minutes before', short: 'reminder 10 min before' },
] as const;
export type Lead = (typeof LEADS)[number]['value'];

const SOON_MS = 5_000;

export interface Booking {
  title: string;
  /** The wall time as typed, `YYYY-MM-DDTHH:MM`, in `zone`. */
  local: string;
  zone: string;
  durationMinutes: number;
  participants: DemoUser[];
  lead: Lead;
  policy: Disambiguation;
  reading: WallTimeReading;
  /** The start as the hub will read it (same Temporal rules); `undefined` when `reject` refuses it. */
  startMs: number | undefined;
}

/** The `data` of a reminder: enough for each participant to show the meeting on their own clock. */
export interface ReminderData {
  meetingId: string;
  title: string;
  organizer: string;
  zone: string;
  local: string;
  startMs: number | null;
  durationMinutes: number;
  lead: string;
}

/** The schedule JSON the hub answers with for `Accept: application/json` (docs/time.md). */
export interface ScheduleAnswer {
  id: string;
  dueAt: string;
  dueAtMs: number;
  zone?: string;
  local?: string;
  requestedAt: string;
  requestedAtMs: number;
  isPast: boolean;
}

export type ReminderOutcome =
  | { user: DemoUser; ok: true; schedule: ScheduleAnswer }
  | { user: DemoUser; ok: false; status: number; message: string };

export type CancelOutcome =
  | { user: DemoUser; ok: true }
  | { user: DemoUser; ok: false; status: number; message: string };

/** `Accept: application/json` publishes answer a schedule; anything else is not what was asked. */
function parseScheduleAnswer(body: string): ScheduleAnswer | undefined {
  try {
    const value = JSON.parse(body) as Partial<ScheduleAnswer> | null;
    return typeof value?.id === 'string' && typeof value.requestedAtMs === 'number'
      ? (value as ScheduleAnswer)
      : undefined;
  } catch {
    return undefined;
  }
}

export function booking(fields: Omit<Booking, 'reading' | 'startMs'>): Booking | undefined {
  const reading = readWallTime(fields.local, fields.zone);
  if (reading === undefined) return undefined;
  return { ...fields, reading, startMs: resolveReading(reading, fields.policy) };
}

/**
 * The reminder's `deliver_local`. At the start, the wall time as typed: Herald resolves it itself,
 * gap or overlap included, and its answer is what the page shows. Before the start, the reminder
 * is the start instant minus the lead, sent as a wall time with its offset: subtracting minutes
 * from the wall time instead could land in the hour DST skips and come out after the meeting.
 */
export function reminderLocal(meeting: Booking, nowMs: number): string {
  if (meeting.lead === 'soon') return wallTimeWithOffset(nowMs + SOON_MS, meeting.zone);
  if (meeting.lead === '0' || meeting.startMs === undefined) return meeting.local;
  return wallTimeWithOffset(meeting.startMs - Number(meeting.lead) * 60_000, meeting.zone);
}

/**
 * One private update per participant on their own topic, `users/{id}`, for Herald to deliver at
 * the reminder's time: only that participant's tabs can read it.
 */
export async function publishReminders(
  session: DemoSession,
  meeting: Booking,
  meetingId: string,
  organizer: string,
): Promise<ReminderOutcome[]> {
  const data: ReminderData = {
    meetingId,
    title: meeting.title,
    organizer,
    zone: meeting.zone,
    local: meeting.local,
    startMs: meeting.startMs ?? null,
    durationMinutes: meeting.durationMinutes,
    lead: LEADS.find((lead) => lead.value === meeting.lead)?.short ?? meeting.lead,
  };
  const deliverLocal = reminderLocal(meeting, Date.now());
  return Promise.all(
    meeting.participants.map(async (user): Promise<ReminderOutcome> => {
      const response = await session.publish(
        {
          topic: session.userTopic(user.id),
          private: 'on',
          type: 'reminder',
          data: JSON.stringify(data),
          deliver_local: deliverLocal,
          deliver_tz: meeting.zone,
          deliver_disambiguation: meeting.policy,
        },
        { accept: 'application/json' },
      );
      const body = await response.text();
      if (!response.ok) return { user, ok: false, status: response.status, message: body.trim() };
      const schedule = parseScheduleAnswer(body);
      if (schedule === undefined)
        return { user, ok: false, status: response.status, message: 'no schedule in the answer' };
      return { user, ok: true, schedule };
    }),
  );
}

/**
 * `DELETE /.well-known/mercure/schedules/{id}` for each participant's reminder (docs/time.md): the
 * schedules live in the hub's store until they are delivered or cancelled, so a meeting called
 * off should not leave them behind. The session's token may cancel them because it may publish
 * on every topic they deliver to. 409 means already delivered (or cancelled), 404 unknown.
 */
export async function cancelReminders(
  session: DemoSession,
  reminders: readonly { user: DemoUser; scheduleId: string }[],
): Promise<CancelOutcome[]> {
  return Promise.all(
    reminders.map(async ({ user, scheduleId }): Promise<CancelOutcome> => {
      try {
        const response = await fetch(`/.well-known/mercure/schedules/${encodeURIComponent(scheduleId)}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${session.token}` },
        });
        if (response.ok) return { user, ok: true };
        return { user, ok: false, status: response.status, message: (await response.text()).trim() };
      } catch (error) {
        return {
          user,
          ok: false,
          status: 0,
          message: error instanceof Error ? error.message : String(error),
        };
      }
    }),
  );
}

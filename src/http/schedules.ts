import type { Grant } from '../hub/authorization.js';
import { AuthError } from '../hub/errors.js';
import type { ScheduledPublishing } from '../hub/scheduled-publishing.js';
import type { Schedule, ScheduleState } from '../time/schedule.js';
import { scheduleToJson } from '../time/schedule.js';
import type { Exchange } from '../transports/exchange.js';
import { HttpError } from './errors.js';
import { sendJson } from './send.js';

const STATES: readonly ScheduleState[] = ['pending', 'claimed', 'done', 'cancelled'];
const MAX_LIST_LIMIT = 1_000;

export interface SchedulesApiRequest {
  schedules: ScheduledPublishing;
  exchange: Exchange;
  url: URL;
  /** The path after `/.well-known/mercure/schedules`: `''` or `/{id}` (percent-encoded). */
  rest: string;
  /** Verifies the publisher token from the `Authorization` header. */
  grant: () => Promise<Grant>;
  headers: Record<string, string>;
}

/**
 * `GET …/schedules[?topic=T&state=S&limit=N]`, `GET …/schedules/{id}`, `DELETE …/schedules/{id}`
 * (Herald extension, docs/time.md). Authorized like publishing: a token sees and cancels only the
 * schedules whose every topic it may publish to.
 */
export async function serveSchedulesApi(request: SchedulesApiRequest): Promise<void> {
  const { rest } = request;
  const { method } = request.exchange;
  if (rest === '' || rest === '/') {
    if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed('GET');
    return listSchedules(request);
  }
  const id = decodeId(rest.slice(1));
  if (method === 'GET' || method === 'HEAD') return getSchedule(request, id);
  if (method === 'DELETE') return cancelSchedule(request, id);
  throw methodNotAllowed('GET, DELETE');
}

async function listSchedules({
  schedules,
  url,
  grant,
  exchange,
  headers,
}: SchedulesApiRequest): Promise<void> {
  const granted = await grant();
  const states = url.searchParams.getAll('state');
  for (const state of states) {
    if (!STATES.includes(state as ScheduleState)) {
      throw new HttpError(400, 'STATE_INVALID', `"state" must be one of ${STATES.join(', ')}`);
    }
  }
  const found = await schedules.list({
    topic: url.searchParams.get('topic') ?? undefined,
    states: states.length === 0 ? undefined : (states as ScheduleState[]),
    limit: parseLimit(url.searchParams.get('limit')),
  });
  const nowMs = schedules.nowMs();
  const visible = found.filter((schedule) => mayPublishAll(granted, schedule));
  sendJson(exchange, 200, { schedules: visible.map((s) => scheduleToJson(s, nowMs)) }, noStore(headers));
}

async function getSchedule(request: SchedulesApiRequest, id: string): Promise<void> {
  const schedule = await authorizedSchedule(request, id);
  const doc = scheduleToJson(schedule, request.schedules.nowMs());
  sendJson(request.exchange, 200, doc, noStore(request.headers));
}

async function cancelSchedule(request: SchedulesApiRequest, id: string): Promise<void> {
  const schedule = await authorizedSchedule(request, id);
  if (!(await request.schedules.cancel(id))) {
    throw new HttpError(409, 'SCHEDULE_FINISHED', `the schedule is already ${schedule.state}`);
  }
  request.exchange.respond(204, request.headers);
}

/** 404 when unknown, 403 when the token may not publish to all of its topics. */
async function authorizedSchedule({ schedules, grant }: SchedulesApiRequest, id: string): Promise<Schedule> {
  const granted = await grant();
  const schedule = await schedules.get(id);
  if (schedule === undefined) throw new HttpError(404, 'NOT_FOUND', 'no such schedule');
  if (!mayPublishAll(granted, schedule)) {
    throw new AuthError('FORBIDDEN', 'the token does not allow publishing on every topic of this schedule');
  }
  return schedule;
}

const mayPublishAll = (grant: Grant, schedule: Schedule) =>
  schedule.topics.every((topic) => grant.canPublish(topic));

function parseLimit(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  const limit = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIST_LIMIT)) {
    throw new HttpError(400, 'LIMIT_INVALID', `"limit" must be an integer in 1..${MAX_LIST_LIMIT}`);
  }
  return limit;
}

function decodeId(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(404, 'NOT_FOUND', 'no such schedule');
  }
}

const noStore = (headers: Record<string, string>) => ({ ...headers, 'cache-control': 'no-store' });

const methodNotAllowed = (allow: string) =>
  new HttpError(405, 'METHOD_NOT_ALLOWED', `use ${allow}`, { allow });

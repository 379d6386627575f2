import { AuthError, type Grant, type PublishInput } from '../hub/index.js';
import {
  type Schedule,
  type ScheduleService,
  type ScheduleState,
  scheduleToJson,
} from '../schedule/index.js';
import { DELIVERY_FIELDS, type DeliveryTimeInput, formatInstant, TimeError } from '../time/index.js';
import type { Exchange } from '../transports/index.js';
import type { HttpContext } from './context.js';
import { HttpError } from './errors.js';
import { SCHEDULES_PATH } from './options.js';
import { sendJson, sendText } from './send.js';
import { presentedToken } from './token.js';

/*
 * Scheduled publishing over HTTP (a Herald extension, docs/time.md): the `deliver_*` fields of a
 * publish, and the schedules API under `/.well-known/mercure/schedules`. Thin: the schedule domain
 * (src/schedule) validates, stores and delivers.
 */

const STATES: readonly ScheduleState[] = ['pending', 'claimed', 'done', 'cancelled'];
const MAX_LIST_LIMIT = 1_000;

interface SchedulesApiRequest {
  schedules: ScheduleService;
  exchange: Exchange;
  url: URL;
  /** The path after `/.well-known/mercure/schedules`: `''` or `/{id}` (percent-encoded). */
  rest: string;
  /** Verifies the publisher token from the `Authorization` header. */
  grant: () => Promise<Grant>;
  headers: Record<string, string>;
}

/**
 * `GET …/schedules[?topic=T&state=S&limit=N]`, `GET …/schedules/{id}`, `DELETE …/schedules/{id}`.
 * Authorized like publishing, by a token in the `Authorization` header only (a cookie would let
 * another site cancel schedules): a token sees and cancels only the schedules whose every topic it
 * may publish to.
 */
export async function serveSchedules(
  context: HttpContext,
  exchange: Exchange,
  url: URL,
  cors: Record<string, string>,
): Promise<void> {
  const schedules = context.schedules;
  if (schedules === undefined) throw new HttpError(404, 'NOT_FOUND', 'scheduled publishing is disabled');
  const grant = async () => {
    const token = presentedToken(exchange.headers, new URLSearchParams());
    if (token?.source !== 'header') throw new AuthError('TOKEN_MISSING', 'a publisher token is required');
    return context.authorizer.verifyPublisher(token.token);
  };
  const rest = (exchange.target.split('?')[0] ?? '').slice(SCHEDULES_PATH.length);
  return serveSchedulesApi({ schedules, exchange, url, rest, grant, headers: cors });
}

async function serveSchedulesApi(request: SchedulesApiRequest): Promise<void> {
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

export interface PublishLaterRequest {
  schedules: ScheduleService;
  form: URLSearchParams;
  /** The publish fields, read from the form exactly as for an immediate publish. */
  input: PublishInput;
  /** The publisher's grant; its topics are already authorized. */
  grant: Grant;
  exchange: Exchange;
  headers: Record<string, string>;
}

/**
 * Handles a publish carrying `deliver_*` fields (Herald extension, docs/time.md); returns false when
 * it carries none, so the caller publishes now. Answers like an immediate publish, 200 text/plain
 * with an id (here the schedule's, which Mercure clients store as they would an event id), or
 * the schedule as JSON when the client accepts `application/json`.
 */
export async function publishLater(request: PublishLaterRequest): Promise<boolean> {
  const { schedules } = request;
  const delivery = withTimeErrorsAs400(() => schedules.resolve(deliveryInputFromForm(request.form)));
  if (delivery === undefined) return false;
  const { schedule } = await schedules.publishLater(request.input, delivery, request.grant.subject);
  const { exchange, headers } = request;
  if (!acceptsJson(exchange.headers.accept)) {
    sendText(exchange, 200, schedule.id, headers);
    return true;
  }
  const body = {
    ...scheduleToJson(schedule, schedules.nowMs()),
    requestedAt: formatInstant(delivery.requestedAtMs),
    requestedAtMs: delivery.requestedAtMs,
    isPast: delivery.isPast,
  };
  sendJson(exchange, 200, body, headers);
  return true;
}

function acceptsJson(accept: string | undefined): boolean {
  return accept !== undefined && /\bapplication\/json\b/i.test(accept);
}

/** `TimeError` → 400 naming the field; a DST gap/overlap under `reject` lists both instants. */
function withTimeErrorsAs400<T>(resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (!(error instanceof TimeError)) throw error;
    throw timeErrorToHttp(error);
  }
}

function timeErrorToHttp(error: TimeError): HttpError {
  // Messages may already start with the bare field name; quote it once, up front.
  const bare = error.field === undefined ? undefined : `${error.field}: `;
  const message =
    bare !== undefined && error.message.startsWith(bare) ? error.message.slice(bare.length) : error.message;
  const field = error.field === undefined ? '' : `"${error.field}": `;
  // Listed once, in RFC 3339, unless the message already names both.
  const instants = error.candidatesMs?.map(formatInstant) ?? [];
  const isListed = instants.every((instant) => message.includes(instant));
  const candidates = isListed ? '' : ` (candidates: ${instants.join(', ')})`;
  return new HttpError(400, error.code, `${field}${message}${candidates}`);
}

/**
 * Reads the delivery fields of a publish form. Each may appear at most once
 * (`TIME_REPEATED_FIELD`); an empty value counts as absent.
 */
export function deliveryInputFromForm(form: URLSearchParams): DeliveryTimeInput {
  const input: DeliveryTimeInput = {};
  for (const [key, field] of Object.entries(DELIVERY_FIELDS) as [keyof DeliveryTimeInput, string][]) {
    const values = form.getAll(field);
    if (values.length > 1) throw new TimeError('TIME_REPEATED_FIELD', `${field} may appear once`, field);
    if (values[0] !== undefined && values[0] !== '') input[key] = values[0];
  }
  return input;
}

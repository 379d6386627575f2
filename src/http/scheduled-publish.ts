import type { Grant } from '../hub/authorization.js';
import type { PublishInput } from '../hub/publish.js';
import type { ScheduledPublishing } from '../hub/scheduled-publishing.js';
import { deliveryInputFromForm } from '../time/delivery-time.js';
import { TimeError } from '../time/errors.js';
import { formatInstant } from '../time/instant.js';
import { scheduleToJson } from '../time/schedule.js';
import type { Exchange } from '../transports/exchange.js';
import { HttpError } from './errors.js';
import { sendJson, sendText } from './send.js';

export interface ScheduledPublishRequest {
  schedules: ScheduledPublishing;
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
export async function publishScheduled(request: ScheduledPublishRequest): Promise<boolean> {
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

export function timeErrorToHttp(error: TimeError): HttpError {
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

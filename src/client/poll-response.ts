/** One event in a poll response, as the hub's long-poll and short-poll transports send it. */
export interface PolledEvent {
  id: string;
  type?: string | undefined;
  data: string;
  topics: string[];
  /** RFC 3339 UTC with milliseconds. */
  time: string;
  retry?: number | undefined;
}

/** Body of `GET <subscribe url>&transport=long-poll|short-poll` (200, application/json). */
export interface PollResponse {
  events: PolledEvent[];
  /** The new cursor; equal to the request's when there were no events. */
  lastEventId: string;
  /** RFC 3339. */
  serverTime: string;
}

const isString = (value: unknown): value is string => typeof value === 'string';

function isPolledEvent(value: unknown): value is PolledEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  return (
    isString(event['id']) &&
    isString(event['data']) &&
    (event['type'] === undefined || isString(event['type'])) &&
    (event['retry'] === undefined || (typeof event['retry'] === 'number' && event['retry'] >= 0))
  );
}

/**
 * Checks the parts of the body the client relies on (ids, data, types, retry, the cursor) and
 * returns it typed, or `undefined` when it is not the hub's shape. `topics` and `time` are passed
 * through unchecked: the client does not use them.
 */
export function parsePollResponse(json: unknown): PollResponse | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const body = json as Record<string, unknown>;
  const events = body['events'];
  if (!Array.isArray(events) || !events.every(isPolledEvent)) return undefined;
  if (!isString(body['lastEventId'])) return undefined;
  return body as unknown as PollResponse;
}

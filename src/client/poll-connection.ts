import {
  type ConnectionHandlers,
  type ConnectionRequest,
  dateHeaderMs,
  discardBody,
  requestInit,
} from './connection.js';
import { hasMimeEssence } from './mime.js';
import { parsePollResponse } from './poll-response.js';
import { isTemporaryStatus, retryAfterMs } from './poll-retry.js';

/**
 * One long-poll or short-poll request against the hub's JSON contract (see `PollResponse`). Status
 * and content type are judged as for an event stream (anything else than 200 + JSON fails the
 * connection), except the temporary statuses of `isTemporaryStatus` (429, 502, 503, 504): those
 * reconnect with backoff, no sooner than their `Retry-After`.
 */
export async function runPoll(request: ConnectionRequest, handlers: ConnectionHandlers): Promise<void> {
  const requestStartMs = request.now();
  let response: Response;
  let text: string;
  try {
    response = await request.fetch(request.url, requestInit(request, 'application/json'));
    if (response.status !== 200) {
      discardBody(response);
      if (isTemporaryStatus(response.status)) {
        const delayMs = retryAfterMs(response.headers.get('retry-after'));
        handlers.lost('HTTP_STATUS', undefined, response.status, delayMs);
      } else handlers.fail('HTTP_STATUS', response.status);
      return;
    }
    if (!hasMimeEssence(response.headers.get('content-type'), 'application/json')) {
      discardBody(response);
      handlers.fail('CONTENT_TYPE', response.status);
      return;
    }
    text = await response.text();
  } catch (cause) {
    handlers.lost('NETWORK', cause);
    return;
  }
  const batch = parseJson(text);
  if (batch === undefined) {
    handlers.fail('POLL_BODY', response.status);
    return;
  }
  // serverTime has millisecond precision (taken as exact); the Date header is the fallback (whole
  // seconds).
  const serverMs = Date.parse(batch.serverTime);
  if (Number.isFinite(serverMs)) handlers.responded(response, requestStartMs, serverMs, 0);
  else handlers.responded(response, requestStartMs, dateHeaderMs(response), 1000);
  handlers.open();
  for (const event of batch.events) {
    if (event.retry !== undefined) handlers.retry(event.retry);
    handlers.message(event.type ?? 'message', event.data, event.id);
  }
  handlers.cursor(batch.lastEventId);
  handlers.polled();
}

function parseJson(text: string): ReturnType<typeof parsePollResponse> {
  try {
    return parsePollResponse(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** `<url>&transport=<mode>[&timeoutMs=<n>]`. */
export function pollUrl(
  url: string,
  mode: 'long-poll' | 'short-poll',
  timeoutMs: number | undefined,
): string {
  const target = new URL(url);
  target.searchParams.set('transport', mode);
  if (mode === 'long-poll' && timeoutMs !== undefined)
    target.searchParams.set('timeoutMs', String(timeoutMs));
  return target.href;
}

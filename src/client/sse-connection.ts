import {
  type ConnectionHandlers,
  type ConnectionRequest,
  dateHeaderMs,
  discardBody,
  requestInit,
} from './connection.js';
import { hasMimeEssence } from './mime.js';

/**
 * One event-stream connection, following "processResponse" of the WHATWG processing model:
 * https://html.spec.whatwg.org/multipage/server-sent-events.html#sse-processing-model
 */
export async function runSseConnection(
  request: ConnectionRequest,
  handlers: ConnectionHandlers,
): Promise<void> {
  const requestStartMs = request.now();
  let response: Response;
  try {
    response = await request.fetch(request.url, requestInit(request, 'text/event-stream'));
  } catch (cause) {
    // 1. If res is an aborted network error, then fail the connection. (Only close() aborts us,
    //    and after close() the EventSource ignores this call.)
    // 2. Otherwise, if res is a network error, then reestablish the connection.
    handlers.lost('NETWORK', cause);
    return;
  }
  handlers.responded(response, requestStartMs, dateHeaderMs(response), 1000);
  // 3. Otherwise, if res's status is not 200, or if res's `Content-Type` is not
  //    `text/event-stream`, then fail the connection.
  if (response.status !== 200) {
    discardBody(response);
    handlers.fail('HTTP_STATUS', response.status);
    return;
  }
  if (!hasMimeEssence(response.headers.get('content-type'), 'text/event-stream')) {
    discardBody(response);
    handlers.fail('CONTENT_TYPE', response.status);
    return;
  }
  // Extension: a Mercure hub names its position at subscription time (see `adoptResponseCursor`):
  // draft-08 in `Mercure-Last-Event-ID`, 0.x in `Last-Event-ID`.
  const cursor = response.headers.get('mercure-last-event-id') ?? response.headers.get('last-event-id');
  if (cursor !== null) handlers.responseCursor(cursor);
  // 4. Otherwise, announce the connection and interpret res's body line by line.
  handlers.open();
  await readBody(response, handlers);
}

async function readBody(response: Response, handlers: ConnectionHandlers): Promise<void> {
  if (response.body === null) {
    handlers.lost('END_OF_STREAM');
    return;
  }
  // getReader rather than `for await`: async iteration of ReadableStream is missing in Safari.
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      handlers.chunk(value);
    }
  } catch (cause) {
    // A body cut mid-stream: browsers reestablish here too.
    handlers.lost('NETWORK', cause);
    return;
  }
  // processResponseEndOfBody: "if res is not a network error, then reestablish the connection."
  handlers.lost('END_OF_STREAM');
}

import type { OpenSubscription } from '../hub/index.js';
import type { SubscriptionContext } from './subscription-context.js';

const ASCII = /^[\u0000-\u007f]*$/;

/**
 * A header value carrying an event id (also inside a quoted `Link` attribute). Ids may be any
 * Unicode text but a header carries bytes: the value is the id's UTF-8 bytes, one character per
 * byte, which node:http, node:http2 and Fetch write as they are (a character above U+00FF would
 * make them throw: a 500). Clients decode the bytes as UTF-8, as they encode the `Last-Event-ID`
 * they send.
 */
export function idHeaderValue(id: string): string {
  return ASCII.test(id) ? id : Buffer.from(id, 'utf8').toString('latin1');
}

/**
 * The response header that names where the events start, per Mercure version:
 * - 0.x: `Last-Event-ID`, always, like the reference hub (a live-only client learns where it
 *   starts; Herald's client adopts it then).
 * - draft-08: `Mercure-Last-Event-ID`, when the request carried a cursor ("When the request
 *   contains a Last-Event-ID HTTP header or a last_event_id query parameter, the hub MUST set a
 *   Mercure-Last-Event-ID field"), and not `Last-Event-ID`, "whose registration defines request
 *   semantics only".
 */
export function cursorHeaders(
  context: Pick<SubscriptionContext, 'version' | 'request'>,
  open: Pick<OpenSubscription, 'legacyLastEventId' | 'draftLastEventId'>,
): Record<string, string> {
  if (context.version !== 'draft-08') return { 'last-event-id': idHeaderValue(open.legacyLastEventId) };
  if (context.request.lastEventId === undefined) return {};
  return { 'mercure-last-event-id': idHeaderValue(open.draftLastEventId) };
}

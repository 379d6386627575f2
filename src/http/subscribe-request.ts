import type { IncomingHttpHeaders } from 'node:http';
import {
  compileSelector,
  type MercureVersion,
  requestVersion,
  type Selector,
  selectorKindForQueryParam,
} from '../hub/index.js';
import { HttpError } from './errors.js';

export type TransportName = 'sse' | 'long-poll' | 'short-poll';

export interface ParsedSubscribeRequest {
  selectors: Selector[];
  /** `requestVersion` of its selectors. */
  version: MercureVersion;
  /** `Last-Event-ID` header over the query parameter; `undefined`: live only. */
  lastEventId: string | undefined;
  transport: TransportName;
  /** Long-poll wait requested by the client (`timeoutMs`), before the server's cap. */
  timeoutMs: number | undefined;
}

/**
 * Query parameters naming the last event id, first found wins: the version's own name first (0.x
 * `lastEventID`, draft-08 `last_event_id`), then the other's, then a common spelling.
 */
const LAST_EVENT_ID_PARAMS: Record<MercureVersion, readonly string[]> = {
  legacy: ['lastEventID', 'last_event_id', 'lastEventId'],
  'draft-08': ['last_event_id', 'lastEventID', 'lastEventId'],
};
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseSubscribeRequest(
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
  options: { maxSelectors: number; baseUrl: string | undefined },
): ParsedSubscribeRequest {
  const selectors: Selector[] = [];
  for (const [name, value] of query) {
    // `topic`, `match`, `match_exact`, `match_urlpattern`; any other `match…` name is a 400.
    const kind = selectorKindForQueryParam(name);
    if (kind === undefined) continue;
    if (selectors.length >= options.maxSelectors) {
      throw new HttpError(
        400,
        'TOO_MANY_SELECTORS',
        `too many "${name}" selectors (max ${options.maxSelectors})`,
      );
    }
    selectors.push(compileSelector(kind, value, { field: name, baseUrl: options.baseUrl }));
  }
  if (selectors.length === 0) {
    throw new HttpError(400, 'SELECTOR_MISSING', 'missing "topic" (or draft-08 "match") query parameter');
  }
  const version = requestVersion(selectors.map((selector) => selector.kind));
  // "If both the Last-Event-ID HTTP header and the last_event_id query parameter are present, the
  // HTTP header MUST take precedence."
  const header = headers['last-event-id'];
  let lastEventId = typeof header === 'string' && header !== '' ? fromHeaderBytes(header) : undefined;
  for (const name of LAST_EVENT_ID_PARAMS[version]) {
    if (lastEventId !== undefined) break;
    lastEventId = query.get(name) ?? undefined;
  }
  return {
    selectors,
    version,
    lastEventId,
    transport: transportOf(query, headers),
    timeoutMs: timeoutOf(query),
  };
}

/**
 * A header value as the id it carries. HTTP hosts hand header bytes over one character per byte, and
 * EventSource sends the id "encoded as UTF-8": decoded as such, so a non-ASCII id names its event.
 * Bytes that are not UTF-8 are taken as they came.
 */
function fromHeaderBytes(value: string): string {
  let isAscii = true;
  for (let i = 0; i < value.length && isAscii; i++) isAscii = value.charCodeAt(i) < 0x80;
  if (isAscii) return value;
  try {
    return utf8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

function transportOf(query: URLSearchParams, headers: IncomingHttpHeaders): TransportName {
  const requested = query.get('transport');
  if (requested === 'long-poll' || requested === 'short-poll' || requested === 'sse') return requested;
  if (requested !== null) {
    throw new HttpError(400, 'TRANSPORT_INVALID', '"transport" must be sse, long-poll or short-poll');
  }
  const accept = headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/event-stream') ? 'long-poll' : 'sse';
}

function timeoutOf(query: URLSearchParams): number | undefined {
  const raw = query.get('timeoutMs');
  if (raw === null) return undefined;
  if (!/^[0-9]{1,9}$/.test(raw))
    throw new HttpError(400, 'TIMEOUT_INVALID', '"timeoutMs" must be digits only');
  return Number(raw);
}

/**
 * The parameters of a subscription carried in a query and a body (QUERY): "the hub MUST then take
 * the union of the two: every name/value pair from the query component and every pair from the
 * body, as if they had all appeared in one component". The query's pairs come first, so a
 * single-valued parameter (`last_event_id`, and Herald's `transport` and `timeoutMs`) found in both
 * is the query's ("the hub MUST use the value from the query component"); the `Last-Event-ID`
 * header still wins over both. Tokens are never read from a body.
 */
export function unionOfParameters(query: URLSearchParams, body: URLSearchParams): URLSearchParams {
  const union = new URLSearchParams(query);
  for (const [name, value] of body) union.append(name, value);
  return union;
}

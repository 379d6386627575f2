import type { IncomingHttpHeaders } from 'node:http';
import {
  compileSelector,
  type Selector,
  type SelectorKind,
  selectorKindForQueryParam,
} from '../hub/index.js';
import type { ProtocolVersion } from '../transports/index.js';
import { HttpError } from './errors.js';

export type TransportName = 'sse' | 'long-poll' | 'short-poll';

export interface ParsedSubscribeRequest {
  selectors: Selector[];
  protocol: ProtocolVersion;
  /** `Last-Event-ID` header over the query parameter; `undefined`: live only. */
  lastEventId: string | undefined;
  transport: TransportName;
  /** Long-poll wait requested by the client (`timeoutMs`), before the server's cap. */
  timeoutMs: number | undefined;
}

/** Spellings of an earlier draft-08 revision, still accepted. */
const SNAKE_CASE_ALIASES: Record<string, SelectorKind> = {
  match_exact: 'exact',
  match_urlpattern: 'urlpattern',
};

/** Query parameters naming the last event id: 0.x `lastEventID`, draft-08 `last_event_id`, and a common spelling. */
const LAST_EVENT_ID_PARAMS = ['lastEventID', 'last_event_id', 'lastEventId'];

export function parseSubscribeRequest(
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
  options: { maxSelectors: number; baseUrl: string | undefined },
): ParsedSubscribeRequest {
  const selectors: Selector[] = [];
  let protocol: ProtocolVersion = 'legacy';
  for (const [name, value] of query) {
    const kind = SNAKE_CASE_ALIASES[name] ?? selectorKindForQueryParam(name);
    if (kind === undefined) continue;
    if (kind !== 'template') protocol = 'draft-08';
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
  const header = headers['last-event-id'];
  let lastEventId = typeof header === 'string' && header !== '' ? header : undefined;
  for (const name of LAST_EVENT_ID_PARAMS) {
    if (lastEventId !== undefined) break;
    lastEventId = query.get(name) ?? undefined;
  }
  return {
    selectors,
    protocol,
    lastEventId,
    transport: transportOf(query, headers),
    timeoutMs: timeoutOf(query),
  };
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

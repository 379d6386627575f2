/**
 * Shared tooling of the Mercure conformance suites (0.x and draft-08): a memory-store hub on port 0
 * whose URL is the resource identifier, tokens of both versions, an event-stream reader that keeps
 * the raw bytes (to check the SSE fields as the hub writes them) and the parsed events, and a
 * "fence" to prove that an update was NOT delivered without waiting on a timer.
 */
import { randomUUID } from 'node:crypto';
import { type JWTPayload, SignJWT } from 'jose';
import { afterEach } from 'vitest';
import type { CreateHubOptions } from '../../src/http/index.js';
import {
  ISSUER,
  publish,
  RESOURCE,
  SECRET,
  startHub,
  type TestHub,
  waitForSubscribers,
} from '../http/helpers.js';
import { type EventStreamReader, openEventStream, type ReceivedEvent } from '../support/event-stream.js';

export { legacyToken } from '../http/helpers.js';
export type { TestHub };
export { ISSUER, publish, RESOURCE, SECRET, waitForSubscribers };
/** The Mercure authorization detail type (draft-08 §Authorization Details). */
export const MERCURE_DETAIL_TYPE = 'https://mercure.rocks/authorization-detail';

export const HUB_PATH = '/.well-known/mercure';
export const SUBSCRIPTIONS = `${HUB_PATH}/subscriptions`;

/**
 * A hub with the memory store, HS256 tokens of both versions (draft-08 ones from `ISSUER`), its
 * public URL = `RESOURCE`.
 */
export function startConformanceHub(options: CreateHubOptions = {}): Promise<TestHub> {
  return startHub('memory', { hubUrl: RESOURCE, ...options });
}

export interface DetailSpec {
  /** `publish`, `subscribe`, or anything else (unknown actions, non-strings) to test the rules. */
  actions: unknown[];
  /** Matcher objects as given; a string `s` is `{ match: s }` (exact by default). */
  topics: unknown[];
  payload?: unknown;
  /** Default `MERCURE_DETAIL_TYPE`. */
  type?: string;
}

/**
 * A draft-08 access token: `typ: at+jwt` and every claim RFC 9068 requires issuers to populate
 * (`iss` = `ISSUER`, `aud` = the hub's resource, `exp` in an hour, `sub`, `client_id`, `iat`, `jti`).
 */
export async function accessToken(
  details: DetailSpec[],
  options: { claims?: JWTPayload; typ?: string | null; omit?: string[]; secret?: string } = {},
): Promise<string> {
  const nowSec = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = {
    iss: ISSUER,
    aud: RESOURCE,
    exp: nowSec + 3600,
    sub: 'urn:test:subscriber',
    client_id: ISSUER,
    iat: nowSec,
    jti: `urn:uuid:${randomUUID()}`,
    authorization_details: details.map((d) => ({
      type: d.type ?? MERCURE_DETAIL_TYPE,
      actions: d.actions,
      topics: d.topics.map((t) => (typeof t === 'string' ? { match: t } : t)),
      ...(d.payload === undefined ? {} : { payload: d.payload }),
    })),
    ...options.claims,
  };
  for (const name of options.omit ?? []) delete claims[name];
  const typ = options.typ === undefined ? 'at+jwt' : options.typ;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', ...(typ === null ? {} : { typ }) })
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

export type ParsedEvent = ReceivedEvent;
export type OpenStream = EventStreamReader;

/** Opens `GET /.well-known/mercure?query`; resolves once the response headers are in. */
export function openStream(
  hubUrl: string,
  query: string,
  headers: Record<string, string> = {},
): Promise<OpenStream> {
  // A refused subscription keeps its body for the test to read.
  return openEventStream(`${hubUrl}${HUB_PATH}?${query}`, { headers, onlyWhenOk: true });
}

/** Publishes with a token that may publish anything (0.x claim, valid for both versions' hubs). */
export async function publishAs(
  hub: TestHub,
  token: string,
  fields: [string, string][],
  headers: Record<string, string> = {},
): Promise<{ status: number; id: string; response: Response }> {
  const response = await publish(hub.url, token, fields, headers);
  return { status: response.status, id: await response.text(), response };
}

/**
 * Publishes a public "fence" update on `topic` and waits until every stream has it: whatever was
 * published before it and is absent from a stream was not delivered to that stream (updates of one
 * hub arrive in publication order).
 */
export async function fence(
  hub: TestHub,
  token: string,
  topic: string,
  streams: readonly OpenStream[],
): Promise<void> {
  const { status } = await publishAs(hub, token, [
    ['topic', topic],
    ['data', 'fence'],
  ]);
  if (status !== 200) throw new Error(`fence publish failed with ${status}`);
  await Promise.all(
    streams.map(async (stream) => {
      for (let i = 0; i < 500 && !stream.events.some((e) => e.data === 'fence'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (!stream.events.some((e) => e.data === 'fence')) throw new Error('fence not received');
    }),
  );
}

/** `data` of the events received before the fence. */
export const dataBeforeFence = (stream: OpenStream): string[] =>
  stream.events.map((e) => e.data).filter((d) => d !== 'fence');

export async function getJson(
  hub: TestHub,
  path: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  contentType: string | null;
  body: Record<string, unknown> | undefined;
  headers: Headers;
}> {
  const response = await fetch(`${hub.url}${path}`, { headers });
  const text = await response.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body,
    headers: response.headers,
  };
}

/** One link of a `Link` header (RFC 8288): its target and its parameters, quoted-strings unescaped. */
export interface ParsedLink {
  target: string;
  params: Record<string, string>;
}

/**
 * The links of a `Link` header value. Parameter values are read as RFC 9110 tokens or quoted-strings
 * (`\` escapes), and their bytes as UTF-8 (fetch hands header bytes over as Latin-1 characters).
 */
export function parseLinks(header: string | null): ParsedLink[] {
  const text = new TextDecoder().decode(Uint8Array.from(header ?? '', (c) => c.charCodeAt(0)));
  const links: ParsedLink[] = [];
  const pattern = /\s*<([^>]*)>((?:\s*;\s*[^=;,\s]+\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;,\s]*))*)\s*(?:,|$)/gy;
  for (const match of text.matchAll(pattern)) {
    const params: Record<string, string> = {};
    const param = /;\s*([^=;,\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;,\s]*))/g;
    for (const p of (match[2] ?? '').matchAll(param)) {
      params[(p[1] ?? '').toLowerCase()] = p[2] === undefined ? (p[3] ?? '') : p[2].replace(/\\(.)/g, '$1');
    }
    links.push({ target: match[1] ?? '', params });
  }
  return links;
}

/** The `rel="mercure"` link of a response, when it has one. */
export const mercureLinkOf = (headers: Headers): ParsedLink | undefined =>
  parseLinks(headers.get('link')).find((link) => link.params['rel'] === 'mercure');

/** A clock and a timer queue under the test's control (token expiry on fake time). */
export function manualTime(startMs = Date.now()): {
  clock: { nowMs(): number };
  scheduler: { setTimeout(callback: () => void, delayMs: number): unknown; clearTimeout(h: unknown): void };
  advance(ms: number): void;
} {
  let nowMs = startMs;
  const timers = new Map<number, { dueMs: number; callback: () => void }>();
  let nextHandle = 1;
  return {
    clock: { nowMs: () => nowMs },
    scheduler: {
      setTimeout(callback, delayMs) {
        const handle = nextHandle++;
        timers.set(handle, { dueMs: nowMs + delayMs, callback });
        return handle;
      },
      clearTimeout(handle) {
        timers.delete(handle as number);
      },
    },
    advance(ms) {
      nowMs += ms;
      for (const [handle, timer] of [...timers]) {
        if (timer.dueMs <= nowMs) {
          timers.delete(handle);
          timer.callback();
        }
      }
    },
  };
}

/** Waits for the first event (in arrival order) that satisfies `predicate`. */
export async function waitForEvent(
  stream: OpenStream,
  predicate: (event: ParsedEvent) => boolean,
): Promise<ParsedEvent> {
  for (let i = 0; i < 1000; i++) {
    const found = stream.events.find(predicate);
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no matching event among ${JSON.stringify(stream.events)}`);
}

/** A subscription event's JSON-LD document about `subscriber` with `active`, when it is one. */
export const isSubscriptionEvent =
  (subscriber: string, active: boolean) =>
  (event: ParsedEvent): boolean => {
    try {
      const doc = JSON.parse(event.data) as { subscriber?: unknown; active?: unknown };
      return doc.subscriber === subscriber && doc.active === active;
    } catch {
      return false;
    }
  };

/** The `subscriptions` array of a subscriptions API collection document (empty when absent). */
export function subscriptionsIn<T = Record<string, unknown>>(body: Record<string, unknown> | undefined): T[] {
  const list = body?.['subscriptions'];
  return Array.isArray(list) ? (list as T[]) : [];
}

export interface ConformanceFixture {
  /** Starts the test's hub (anonymous subscribers allowed unless `options` says otherwise). */
  start(options?: CreateHubOptions): Promise<TestHub>;
  /** Opens a stream on `h`, closed after the test. */
  stream(h: TestHub, query: string, headers?: Record<string, string>): Promise<OpenStream>;
  /** The hub the running test started, if any. */
  current(): TestHub | undefined;
  /** For a test that closed its hub itself: nothing left to close after it. */
  forget(): void;
}

/**
 * The per-test hub and streams of a conformance suite: registers an `afterEach` that closes the
 * streams, then the hub. Call once, at the top level of the test file.
 */
export function conformanceFixture(): ConformanceFixture {
  let hub: TestHub | undefined;
  const streams: OpenStream[] = [];
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await hub?.close();
    hub = undefined;
  });
  return {
    async start(options = {}) {
      hub = await startConformanceHub({ allowAnonymous: true, ...options });
      return hub;
    },
    async stream(h, query, headers = {}) {
      const s = await openStream(h.url, query, headers);
      streams.push(s);
      return s;
    },
    current: () => hub,
    forget() {
      hub = undefined;
    },
  };
}

/** An update as its form fields: topic (several = canonical then alternates), data, private. */
export interface UpdateFields {
  topic: string | string[];
  data: string;
  /** The `private` field's value, sent as given (even empty); absent when undefined. */
  private?: string;
}

export function formFields(update: UpdateFields): [string, string][] {
  const topics = typeof update.topic === 'string' ? [update.topic] : update.topic;
  const fields: [string, string][] = topics.map((topic) => ['topic', topic]);
  fields.push(['data', update.data]);
  if (update.private !== undefined) fields.push(['private', update.private]);
  return fields;
}

/**
 * Publishes `updates` in order (statuses unchecked), then a fence on `fenceTopic`; once it
 * resolves, `dataBeforeFence` of each stream is exactly what that stream was sent of `updates`.
 */
export async function publishThenFence(
  hub: TestHub,
  token: string,
  updates: readonly UpdateFields[],
  fenceTopic: string,
  streams: readonly OpenStream[],
): Promise<void> {
  for (const update of updates) await publishAs(hub, token, formFields(update));
  await fence(hub, token, fenceTopic, streams);
}

/** One public update, then one private update, on the same topic. */
export const PUBLIC_THEN_PRIVATE: readonly UpdateFields[] = [
  { topic: 'https://example.com/a', data: 'public' },
  { topic: 'https://example.com/a', data: 'private', private: 'on' },
];

/**
 * Waits until `stream` is registered, publishes `updates` then a fence on `fenceTopic`, and resolves
 * the `data` of the updates the stream received, in order.
 */
export async function dataReceived(
  hub: TestHub,
  stream: OpenStream,
  token: string,
  updates: readonly UpdateFields[],
  fenceTopic: string,
): Promise<string[]> {
  await waitForSubscribers(hub.herald, 1);
  await publishThenFence(hub, token, updates, fenceTopic, [stream]);
  return dataBeforeFence(stream);
}

/** What `stream` received of one private update on `topic`: ['private'] when delivered, [] otherwise. */
export function privateUpdateReceivedBy(
  hub: TestHub,
  stream: OpenStream,
  token: string,
  topic: string,
): Promise<string[]> {
  return dataReceived(
    hub,
    stream,
    token,
    [{ topic, data: 'private', private: 'on' }],
    'https://example.com/public',
  );
}

/** Hub options putting its clock, its timers and token expiry checks on `time`. */
export function onManualTime(time: ReturnType<typeof manualTime>): CreateHubOptions {
  return {
    clock: time.clock,
    timers: time.scheduler,
    jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE, issuer: ISSUER, clock: time.clock },
  };
}

/** Waits until `stream` is registered, moves time past its token's `exp` (60 s ahead), and waits for the hub to end it. */
export async function outliveToken(
  hub: TestHub,
  stream: OpenStream,
  time: ReturnType<typeof manualTime>,
): Promise<void> {
  await waitForSubscribers(hub.herald, 1);
  time.advance(61_000);
  await stream.ended;
}

/** Publishes one update per `data` on https://example.com/a (private when asked); resolves their ids. */
export async function publishHistory(
  hub: TestHub,
  token: string,
  items: { data: string; isPrivate?: boolean }[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const item of items) {
    const fields: [string, string][] = [
      ['topic', 'https://example.com/a'],
      ['data', item.data],
    ];
    if (item.isPrivate) fields.push(['private', 'on']);
    ids.push((await publishAs(hub, token, fields)).id);
  }
  return ids;
}

/** A CORS preflight for a POST from `origin` asking for `requestHeaders`. */
export function corsPreflight(hub: TestHub, origin: string, requestHeaders: string): Promise<Response> {
  return fetch(`${hub.url}${HUB_PATH}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': requestHeaders,
    },
  });
}

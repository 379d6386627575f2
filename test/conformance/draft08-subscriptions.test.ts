/**
 * Mercure draft-08 active subscriptions and discovery (`spec/mercure.md` of 2026-08-17): subscriber
 * identifiers unique per connection, subscription events (`{match_type}` paths, `type` and
 * `match_type` members, the reserved SSE type `mercure`), the subscriptions API (`application/json`,
 * the cursor on the `rel="mercure"` Link header), the discovery Link attributes, and the optional
 * QUERY method (parameters in the body, united with the query's). Each test quotes the sentence it
 * checks; 0.x keeps its own shapes (test/conformance/mercure-0x.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { discoveryLinkHeader, LinkHeaderError } from '../../src/http/index.js';
import { type EventStreamReader, openEventStream } from '../support/event-stream.js';
import {
  accessToken,
  bearer,
  conformanceFixture,
  dataBeforeFence,
  fence,
  getJson,
  HUB_PATH,
  legacyToken,
  mercureLinkOf,
  type OpenStream,
  type ParsedEvent,
  parseLinks,
  publishAs,
  publishHistory,
  RESOURCE,
  SUBSCRIPTIONS,
  subscriptionsIn,
  type TestHub,
  waitForEvent,
  waitForSubscribers,
} from './support.js';

const { start, stream } = conformanceFixture();

const q = (value: string) => encodeURIComponent(value);
const publisher = () => accessToken([{ actions: ['publish'], topics: ['*'] }]);
const subscriberOf = (...topics: unknown[]) => accessToken([{ actions: ['subscribe'], topics }]);
/** May read every subscription event and the whole subscriptions API. */
const apiToken = () =>
  accessToken([
    {
      actions: ['subscribe'],
      topics: [{ match: `${SUBSCRIPTIONS}{/*}?`, match_type: 'urlpattern' }, SUBSCRIPTIONS],
    },
  ]);
/** Every draft-08 subscription event topic, as the spec writes the template. */
const EVENTS_PATTERN = `${SUBSCRIPTIONS}/:match_type/:match/:subscriber`;
/** "It is RECOMMENDED that the hub generate a random identifier (for example, a UUID [@RFC9562])". */
const RANDOM_UUID_IRI = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RFC3339_UTC_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const SELECTOR_PATTERN = 'https://example.com/:selector';

interface SubscriptionDoc {
  id: string;
  type: string;
  match?: string;
  topic?: string;
  subscriber: string;
  active: boolean;
}

const docOf = (event: ParsedEvent): SubscriptionDoc | undefined => {
  try {
    const doc = JSON.parse(event.data) as SubscriptionDoc;
    return typeof doc.subscriber === 'string' ? doc : undefined;
  } catch {
    return undefined;
  }
};

/** The subscription documents a stream received before its fence, in order. */
const docsBeforeFence = (s: OpenStream): SubscriptionDoc[] =>
  s.events.flatMap((e) => {
    const doc = e.data === 'fence' ? undefined : docOf(e);
    return doc === undefined ? [] : [doc];
  });

/** Waits for the subscription event on `match` with `active` (and not about `except`'s subscribers). */
async function eventAbout(
  watcher: OpenStream,
  match: string,
  active: boolean,
  except: readonly string[] = [],
): Promise<{ event: ParsedEvent; doc: SubscriptionDoc }> {
  const event = await waitForEvent(watcher, (e) => {
    const doc = docOf(e);
    return doc?.match === match && doc.active === active && !except.includes(doc.subscriber);
  });
  return { event, doc: docOf(event) as SubscriptionDoc };
}

/** A watcher of every draft-08 subscription event, with the fence topic. */
async function watch(h: TestHub, query = ''): Promise<OpenStream> {
  const s = await stream(
    h,
    `match_urlpattern=${q(EVENTS_PATTERN)}&match=urn:fence${query}`,
    bearer(await apiToken()),
  );
  expect(s.response.status).toBe(200);
  return s;
}

describe('draft-08 subscriber identifiers', () => {
  it('"It is RECOMMENDED that the hub generate a random identifier … for each connection", "unique per connection": one token on two connections (two tabs) gets two random ids, neither its sub; a reconnection a third', async () => {
    const h = await start({ subscriptionsApi: true });
    const watcher = await watch(h);
    await waitForSubscribers(h.herald, 1);
    const a = 'https://example.com/a';
    const token = await subscriberOf(a);
    const first = await stream(h, `match=${q(a)}`, bearer(token));
    const one = (await eventAbout(watcher, a, true)).doc;
    await stream(h, `match=${q(a)}`, bearer(token));
    const two = (await eventAbout(watcher, a, true, [one.subscriber])).doc;
    for (const doc of [one, two]) {
      expect(doc.subscriber).toMatch(RANDOM_UUID_IRI);
      expect(doc.subscriber).not.toBe('urn:test:subscriber');
    }
    expect(two.subscriber).not.toBe(one.subscriber);

    // "terminating one emits an active: false event that misrepresents the state of the others": not here.
    first.close();
    const gone = (await eventAbout(watcher, a, false)).doc;
    expect(gone.subscriber).toBe(one.subscriber);
    await fence(h, await publisher(), 'urn:fence', [watcher]);
    expect(docsBeforeFence(watcher).filter((d) => d.match === a && !d.active)).toEqual([gone]);
    const auth = bearer(await apiToken());
    const still = await getJson(h, `${SUBSCRIPTIONS}/exact/${q(a)}/${q(two.subscriber)}`, auth);
    expect(still.status).toBe(200);
    expect(still.body).toMatchObject({ subscriber: two.subscriber, active: true });
    expect((await getJson(h, `${SUBSCRIPTIONS}/exact/${q(a)}/${q(one.subscriber)}`, auth)).status).toBe(404);

    await stream(h, `match=${q(a)}`, bearer(token));
    const three = (await eventAbout(watcher, a, true, [one.subscriber, two.subscriber])).doc;
    expect(three.subscriber).toMatch(RANDOM_UUID_IRI);
  });

  it('"A single subscriber holding several active subscriptions through one connection reuses the same identifier across them"', async () => {
    const h = await start({ subscriptionsApi: true });
    const watcher = await watch(h);
    await waitForSubscribers(h.herald, 1);
    await stream(h, `match=urn:a&match_urlpattern=${q(SELECTOR_PATTERN)}`, bearer(await subscriberOf('*')));
    const exact = (await eventAbout(watcher, 'urn:a', true)).doc;
    const pattern = (await eventAbout(watcher, SELECTOR_PATTERN, true)).doc;
    expect(pattern.subscriber).toBe(exact.subscriber);
    expect(exact.subscriber).toMatch(RANDOM_UUID_IRI);
  });

  it('"Subscribers … MUST NOT forge, supply, or override this value": a 0.x token on a match request, or an at+jwt token on a topic request, gets a hub id; only a 0.x request with a 0.x token keeps its sub (the 0.x text)', async () => {
    const h = await start({ subscriptionsApi: true });
    const legacy = bearer(await legacyToken({ subscribe: [] }, { sub: 'urn:s:legacy' }));
    await stream(h, 'match=urn:a', legacy);
    await stream(h, 'topic=urn:b', bearer(await subscriberOf('*')));
    await stream(h, 'topic=urn:c', legacy);
    await waitForSubscribers(h.herald, 3);
    const res = await getJson(h, SUBSCRIPTIONS, bearer(await apiToken()));
    const byMatcher = Object.fromEntries(
      subscriptionsIn<SubscriptionDoc>(res.body).map((d) => [d.match ?? d.topic, d.subscriber]),
    );
    expect(byMatcher['urn:a']).toMatch(RANDOM_UUID_IRI);
    expect(byMatcher['urn:b']).toMatch(RANDOM_UUID_IRI);
    expect(byMatcher['urn:c']).toBe('urn:s:legacy');
  });
});

describe('draft-08 subscription events', () => {
  it('"dispatch subscription events with the update type field … set to the reserved value mercure"; topic ".../subscriptions/{match_type}/{match}/{subscriber}" with "urlpattern"/"exact"; the spec\'s document; private', async () => {
    const h = await start({ subscriptionsApi: true });
    const watcher = await watch(h);
    const anonymous = await stream(h, `match_urlpattern=${q(EVENTS_PATTERN)}&match=urn:fence`);
    await waitForSubscribers(h.herald, 2);
    const token = await accessToken([
      {
        actions: ['subscribe'],
        topics: [{ match: SELECTOR_PATTERN, match_type: 'urlpattern' }],
        payload: { foo: 'bar' },
      },
    ]);
    const subscriber = await stream(
      h,
      `match_urlpattern=${q(SELECTOR_PATTERN)}&match=${q('https://example.com/a')}`,
      bearer(token),
    );
    const created = await eventAbout(watcher, SELECTOR_PATTERN, true);
    expect(created.event.event).toBe('mercure');
    const id = created.doc.subscriber;
    expect(id).toMatch(RANDOM_UUID_IRI);
    // The spec's example id, with this connection's subscriber.
    const expectedId = `/.well-known/mercure/subscriptions/urlpattern/https%3A%2F%2Fexample.com%2F%3Aselector/${q(id)}`;
    expect(JSON.parse(created.event.data)).toEqual({
      id: expectedId,
      type: 'subscription',
      match_type: 'urlpattern',
      match: SELECTOR_PATTERN,
      subscriber: id,
      active: true,
      payload: { foo: 'bar' },
      // "The document MAY contain other properties": Herald's start of the subscription.
      'herald:subscribedAt': expect.stringMatching(RFC3339_UTC_MS),
    });
    const exact = await eventAbout(watcher, 'https://example.com/a', true);
    expect(exact.event.event).toBe('mercure');
    expect(exact.doc).toMatchObject({
      id: `/.well-known/mercure/subscriptions/exact/https%3A%2F%2Fexample.com%2Fa/${q(id)}`,
      type: 'subscription',
      match_type: 'exact',
    });
    expect(watcher.raw()).toMatch(/^event: mercure$/m);
    subscriber.close();
    const terminated = await eventAbout(watcher, SELECTOR_PATTERN, false);
    expect(terminated.event.event).toBe('mercure');
    expect(terminated.doc).toMatchObject({ id: expectedId, active: false });
    // "the subscription update MUST be marked as private"
    await fence(h, await publisher(), 'urn:fence', [anonymous]);
    expect(dataBeforeFence(anonymous)).toEqual([]);
  });

  it('a 0.x subscription keeps the 0.x event: no SSE type (a message event), the JSON-LD document', async () => {
    const h = await start({ subscriptionsApi: true });
    const template = '/.well-known/mercure/subscriptions{/topic}{/subscriber}';
    const watcher = await stream(
      h,
      `topic=${q(template)}`,
      bearer(await legacyToken({ subscribe: [template] })),
    );
    await waitForSubscribers(h.herald, 1);
    await stream(h, 'topic=urn:zero', bearer(await legacyToken({}, { sub: 'urn:s:0' })));
    const created = await waitForEvent(watcher, (e) => docOf(e)?.subscriber === 'urn:s:0');
    expect(created.event).toBeUndefined();
    expect(JSON.parse(created.data)).toEqual({
      '@context': 'https://mercure.rocks/',
      id: `${SUBSCRIPTIONS}/urn%3Azero/urn%3As%3A0`,
      type: 'Subscription',
      topic: 'urn:zero',
      subscriber: 'urn:s:0',
      active: true,
    });
  });
});

describe('draft-08 subscriptions API', () => {
  it('"MUST set the Content-Type HTTP header to application/json"; "type: the fixed value subscriptions"; the cursor is no body member but "a last-event-id target attribute on the rel=mercure Link header", earliest when nothing was dispatched, with type="mercure" and content-type="application/json"', async () => {
    const h = await start({ subscriptionsApi: true });
    const res = await getJson(h, SUBSCRIPTIONS, bearer(await apiToken()));
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.body).toEqual({ id: SUBSCRIPTIONS, type: 'subscriptions', subscriptions: [] });
    expect(mercureLinkOf(res.headers)).toEqual({
      target: RESOURCE,
      params: {
        rel: 'mercure',
        'last-event-id': 'earliest',
        type: 'mercure',
        'content-type': 'application/json',
      },
    });
  });

  it('collection, per-matcher collection and single subscription: "a single-subscription response body is the subscription event document … without modification"; each carries the newest event id on its Link', async () => {
    const h = await start({ subscriptionsApi: true });
    const watcher = await watch(h);
    await waitForSubscribers(h.herald, 1);
    await stream(h, `match_urlpattern=${q(SELECTOR_PATTERN)}`, bearer(await subscriberOf('*')));
    const created = await eventAbout(watcher, SELECTOR_PATTERN, true);
    const eventDoc = JSON.parse(created.event.data) as SubscriptionDoc;
    const auth = bearer(await apiToken());
    const matchPath = `${SUBSCRIPTIONS}/urlpattern/${q(SELECTOR_PATTERN)}`;

    const all = await getJson(h, SUBSCRIPTIONS, auth);
    expect(Object.keys(all.body ?? {}).sort()).toEqual(['id', 'subscriptions', 'type']);
    expect(all.body?.['type']).toBe('subscriptions');
    expect(subscriptionsIn(all.body)).toContainEqual(eventDoc);
    const perMatcher = await getJson(h, matchPath, auth);
    expect(perMatcher.contentType).toMatch(/^application\/json/);
    expect(perMatcher.body).toEqual({ id: matchPath, type: 'subscriptions', subscriptions: [eventDoc] });
    const single = await getJson(h, eventDoc.id, auth);
    expect(single.status).toBe(200);
    expect(single.contentType).toMatch(/^application\/json/);
    expect(single.body).toEqual(eventDoc);
    // "The value is the identifier of the last event dispatched by the hub at the time of this request"
    for (const res of [all, perMatcher, single]) {
      expect(mercureLinkOf(res.headers)?.params['last-event-id']).toBe(created.event.id);
    }
  });

  it('the cursor "SHOULD be passed back to the hub as the last_event_id query parameter … to prevent data loss": the events after it are replayed, none before', async () => {
    const h = await start({ subscriptionsApi: true });
    const token = bearer(await subscriberOf('*'));
    await stream(h, 'match=urn:before', token);
    await waitForSubscribers(h.herald, 1);
    const list = await getJson(h, SUBSCRIPTIONS, bearer(await apiToken()));
    const cursor = mercureLinkOf(list.headers)?.params['last-event-id'] ?? '';
    expect(cursor).not.toBe('earliest');
    await stream(h, 'match=urn:after', token);
    await waitForSubscribers(h.herald, 2);
    const watcher = await watch(h, `&last_event_id=${q(cursor)}`);
    await fence(h, await publisher(), 'urn:fence', [watcher]);
    const about = docsBeforeFence(watcher).filter((d) => d.match === 'urn:before' || d.match === 'urn:after');
    expect(about.map((d) => [d.match, d.active])).toEqual([['urn:after', true]]);
  });

  it('"When the hub serves cross-origin subscribers, it MUST expose the Link response header to them"', async () => {
    const h = await start({ subscriptionsApi: true, corsOrigins: ['https://app.example'] });
    const res = await getJson(h, SUBSCRIPTIONS, {
      ...bearer(await apiToken()),
      origin: 'https://app.example',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').split(',').map((n) => n.trim());
    expect(exposed.map((n) => n.toLowerCase())).toContain('link');
    expect(mercureLinkOf(res.headers)?.params['last-event-id']).toBe('earliest');
  });

  it('"every endpoint MUST carry the reconciliation cursor": a 404 for a subscription that does not exist carries it too', async () => {
    const h = await start({ subscriptionsApi: true });
    const res = await getJson(
      h,
      `${SUBSCRIPTIONS}/exact/${q('urn:a')}/${q('urn:nobody')}`,
      bearer(await apiToken()),
    );
    expect(res.status).toBe(404);
    expect(mercureLinkOf(res.headers)?.params['last-event-id']).toBe('earliest');
  });

  it('an event id with a quote or beyond ASCII travels in the Link as a quoted-string (\\" escaped, UTF-8 bytes), not as a 500', async () => {
    const h = await start({ subscriptionsApi: true });
    const id = 'urn:x:中文"quoted"';
    const published = await publishAs(h, await publisher(), [
      ['topic', 'urn:a'],
      ['id', id],
    ]);
    expect(published.status).toBe(200);
    const res = await getJson(h, SUBSCRIPTIONS, bearer(await apiToken()));
    expect(res.status).toBe(200);
    expect(res.headers.get('link')).toContain('\\"quoted\\"');
    expect(mercureLinkOf(res.headers)?.params['last-event-id']).toBe(id);
  });

  it('a 0.x token gets the 0.x answer: application/ld+json, "Subscriptions" with lastEventID in the body, and the same Link', async () => {
    const h = await start({ subscriptionsApi: true });
    await stream(h, 'match=urn:a', bearer(await subscriberOf('*')));
    await waitForSubscribers(h.herald, 1);
    const res = await getJson(h, SUBSCRIPTIONS, bearer(await legacyToken({ subscribe: ['*'] })));
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/ld\+json/);
    expect(res.body).toMatchObject({ '@context': 'https://mercure.rocks/', type: 'Subscriptions' });
    expect(res.body?.['lastEventID']).toBe(h.herald.hub.lastEventId);
    expect(mercureLinkOf(res.headers)?.params['last-event-id']).toBe(h.herald.hub.lastEventId);
  });

  it('"The topic to authorize is the requested URL in relative form", with the lowercase {match_type}: a grant on …/exact/{match} reads that collection and no other', async () => {
    const h = await start({ subscriptionsApi: true });
    const path = `${SUBSCRIPTIONS}/exact/${q('urn:a')}`;
    const narrow = bearer(await subscriberOf(path));
    expect((await getJson(h, path, narrow)).status).toBe(200);
    expect((await getJson(h, `${SUBSCRIPTIONS}/urlpattern/${q('urn:a')}`, narrow)).status).toBe(403);
    expect((await getJson(h, `${SUBSCRIPTIONS}/Exact/${q('urn:a')}`, narrow)).status).toBe(403);
  });
});

describe('draft-08 discovery Link attributes', () => {
  const HUB = 'https://example.com/.well-known/mercure';
  const codeOf = (build: () => unknown): string | undefined => {
    try {
      build();
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(LinkHeaderError);
      return (error as LinkHeaderError).code;
    }
  };

  it('"The publisher MAY provide the following target attributes": last-event-id, content-type and type, as quoted-strings on the rel="mercure" link', () => {
    const header = discoveryLinkHeader(HUB, 'https://example.com/books/1', {
      lastEventId: 'urn:uuid:5e94c686-2c0b-4f9b-958c-92ccc3bbb4eb',
      type: 'book-updated',
      contentType: 'application/merge-patch+json',
    });
    expect(header).toBe(
      `<${HUB}>; rel="mercure"; last-event-id="urn:uuid:5e94c686-2c0b-4f9b-958c-92ccc3bbb4eb"; type="book-updated"; content-type="application/merge-patch+json", <https://example.com/books/1>; rel="self"`,
    );
    const quoted = discoveryLinkHeader(HUB, undefined, { lastEventId: 'a"b\\c' });
    expect(quoted).toBe(`<${HUB}>; rel="mercure"; last-event-id="a\\"b\\\\c"`);
    expect(parseLinks(quoted)[0]?.params['last-event-id']).toBe('a"b\\c');
  });

  it('"A publisher advertising its own resource MUST NOT use the reserved mercure type"; type is "subject to the same character constraints as the publication type field"; values must be writable', () => {
    expect(codeOf(() => discoveryLinkHeader(HUB, undefined, { type: 'mercure' }))).toBe('LINK_TYPE_RESERVED');
    for (const bad of ['a\nb', 'a\u0000b', 'a\u007fb', 'a\u0085b', 'a\u200eb', 'a\u00adb', '']) {
      expect(codeOf(() => discoveryLinkHeader(HUB, undefined, { type: bad }))).toBe('LINK_VALUE_INVALID');
      expect(codeOf(() => discoveryLinkHeader(HUB, undefined, { lastEventId: bad }))).toBe(
        'LINK_VALUE_INVALID',
      );
    }
    for (const contentType of ['json', 'application/', '/json', 'application/json\r\nx: y']) {
      expect(codeOf(() => discoveryLinkHeader(HUB, undefined, { contentType }))).toBe('LINK_VALUE_INVALID');
    }
    expect(codeOf(() => discoveryLinkHeader(`${HUB}>; rel="evil"`))).toBe('LINK_VALUE_INVALID');
    expect(codeOf(() => discoveryLinkHeader(HUB, 'https://example.com/a b'))).toBe('LINK_VALUE_INVALID');
    expect(
      codeOf(() => discoveryLinkHeader(HUB, undefined, { contentType: 'application/json; charset=utf-8' })),
    ).toBe(undefined);
  });
});

describe('draft-08 QUERY: matcher parameters in the body', () => {
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
  const opened: EventStreamReader[] = [];
  afterEach(() => {
    for (const s of opened.splice(0)) s.close();
  });
  async function queryStream(
    h: TestHub,
    query: string,
    body: string,
    headers: Record<string, string> = FORM,
  ): Promise<EventStreamReader> {
    const s = await openEventStream(`${h.url}${HUB_PATH}?${query}`, {
      method: 'QUERY',
      body,
      headers,
      onlyWhenOk: true,
    });
    opened.push(s);
    return s;
  }

  it('"The hub MUST then take the union of the two": a matcher in the query and one in the body each subscribe', async () => {
    const h = await start();
    const s = await queryStream(h, 'match=urn:a', 'match=urn:b');
    expect(s.response.status).toBe(200);
    expect(s.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await waitForSubscribers(h.herald, 1);
    const token = await publisher();
    for (const topic of ['urn:a', 'urn:b', 'urn:c']) {
      await publishAs(h, token, [
        ['topic', topic],
        ['data', topic],
      ]);
    }
    await fence(h, token, 'urn:a', [s]);
    expect(dataBeforeFence(s)).toEqual(['urn:a', 'urn:b']);
  });

  it('"last_event_id is single-valued: if it appears in both, the hub MUST use the value from the query component, and the Last-Event-ID HTTP field still takes precedence over either"; alone in the body it is used', async () => {
    const h = await start();
    const token = await publisher();
    const [first, second] = await publishHistory(h, token, [
      { data: 'one' },
      { data: 'two' },
      { data: 'three' },
    ]);
    const both = await queryStream(
      h,
      `last_event_id=${q(second ?? '')}`,
      `match=*&last_event_id=${q(first ?? '')}`,
    );
    const header = await queryStream(
      h,
      `last_event_id=${q(second ?? '')}`,
      `match=*&last_event_id=${q(second ?? '')}`,
      {
        ...FORM,
        'last-event-id': first ?? '',
      },
    );
    const bodyOnly = await queryStream(h, '', `match=*&last_event_id=${q(first ?? '')}`);
    await waitForSubscribers(h.herald, 3);
    await fence(h, token, 'https://example.com/a', [both, header, bodyOnly]);
    expect(dataBeforeFence(both)).toEqual(['three']);
    expect(dataBeforeFence(header)).toEqual(['two', 'three']);
    expect(dataBeforeFence(bodyOnly)).toEqual(['two', 'three']);
  });

  it('"the reserved-namespace rule and value constraints below apply identically to the body-decoded names and values"; the matcher limit counts both components', async () => {
    const h = await start({ maxSelectors: 2 });
    expect((await queryStream(h, '', 'matchFoo=x')).response.status).toBe(400);
    expect((await queryStream(h, '', 'match=a%00b')).response.status).toBe(400);
    expect((await queryStream(h, 'match=urn:c', 'match=urn:a&match=urn:b')).response.status).toBe(400);
    expect((await queryStream(h, 'match=urn:b', 'match=urn:a')).response.status).toBe(200);
  });

  it('"they MUST be encoded as application/x-www-form-urlencoded": another type is 415; a body over the limit is 413', async () => {
    const h = await start({ maxBodyBytes: 64 });
    expect((await queryStream(h, '', 'match=urn:a', { 'content-type': 'text/plain' })).response.status).toBe(
      415,
    );
    expect((await queryStream(h, '', `match=${'a'.repeat(100)}`)).response.status).toBe(413);
  });

  it('a Fetch host serves QUERY alike (the same exchange reads the body)', async () => {
    const h = await start();
    const response = await h.herald.handleFetch(
      new Request(`${RESOURCE}?match=urn:a`, { method: 'QUERY', headers: FORM, body: 'match=urn:b' }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await waitForSubscribers(h.herald, 1);
    const [subscriber] = [...h.herald.hub.subscribers];
    expect(subscriber?.selectors.map((s) => s.raw)).toEqual(['urn:a', 'urn:b']);
    await response.body?.cancel();
  });

  it('a token is never read from the body', async () => {
    const h = await start({ allowAnonymous: false });
    const token = await legacyToken({ subscribe: ['*'] });
    const s = await queryStream(h, '', `topic=*&authorization=${token}&access_token=${token}`);
    expect(s.response.status).toBe(401);
    const withHeader = await queryStream(h, '', 'topic=*', { ...FORM, ...bearer(token) });
    expect(withHeader.response.status).toBe(200);
  });

  it('a CORS preflight for QUERY allows it, and a method the hub URL does not take is 405 naming QUERY', async () => {
    const h = await start({ corsOrigins: ['https://app.example'] });
    const preflight = await fetch(`${h.url}${HUB_PATH}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'QUERY',
        'access-control-request-headers': 'authorization, content-type, last-event-id',
      },
    });
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/\bQUERY\b/);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Content-Type/i);
    const put = await fetch(`${h.url}${HUB_PATH}`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toMatch(/\bQUERY\b/);
  });
});

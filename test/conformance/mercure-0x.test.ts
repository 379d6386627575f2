/**
 * Mercure 0.x conformance: draft-dunglas-mercure-07 as implemented by the reference hub v0.x
 * (`topic=` URI-template selectors, `mercure` JWT claim, `mercureAuthorization` cookie,
 * `authorization` query parameter, 0.x subscription events). Each test quotes the sentence it checks.
 * The rules draft-08 states alike run from common-cases.ts with this version's selectors and tokens.
 * A failing test here is a deviation from the spec: see docs/mercure-conformance.md.
 */
import { describe, expect, it } from 'vitest';
import { describeCommonCases, type MercureVersion } from './common-cases.js';
import {
  bearer,
  conformanceFixture,
  dataBeforeFence,
  dataReceived,
  fence,
  getJson,
  isSubscriptionEvent,
  legacyToken,
  publishAs,
  publishHistory,
  publishThenFence,
  SUBSCRIPTIONS,
  type TestHub,
  waitForEvent,
  waitForSubscribers,
} from './support.js';

const { start, stream } = conformanceFixture();

const publisher = () => legacyToken({ publish: ['*'] });
const q = (value: string) => encodeURIComponent(value);

const MERCURE_0X: MercureVersion = {
  name: '0.x',
  select: (topic) => `topic=${q(topic)}`,
  publisher,
  subscriber: (topics, { expSec } = {}) => legacyToken({ subscribe: topics }, { expSec }),
  tokenCookie: 'mercureAuthorization',
  tokenQueryParameter: 'authorization',
  subscriptionsApiToken: () =>
    legacyToken({ subscribe: ['/.well-known/mercure/subscriptions{/topic}{/subscriber}'] }),
  subscriptionUrl: (topic, subscriber) => `${SUBSCRIPTIONS}/${q(topic)}/${q(subscriber)}`,
  cursorParameter: 'lastEventID',
  cursorHeader: 'last-event-id',
  // "all endpoints MUST set the lastEventID property at the root"
  subscriptionsCursor: (res) => res.body?.['lastEventID'],
};

describeCommonCases(MERCURE_0X);

describe('0.x publication', () => {
  it('"The provided ID MUST NOT start with the # character": such an id is refused with 400', async () => {
    const h = await start();
    const res = await publishAs(h, await publisher(), [
      ['topic', 'https://example.com/a'],
      ['id', '#1'],
    ]);
    expect(res.status).toBe(400);
  });

  it('"If the publisher is not authorized for all the topics of an update, the hub MUST NOT dispatch the update … and MUST return a 403"', async () => {
    const h = await start();
    const s = await stream(h, 'topic=*');
    await waitForSubscribers(h.herald, 1);
    const limited = await legacyToken({ publish: ['https://example.com/allowed'] });
    const res = await publishAs(h, limited, [
      ['topic', 'https://example.com/allowed'],
      ['topic', 'https://example.com/forbidden'],
      ['data', 'must not arrive'],
    ]);
    expect(res.status).toBe(403);
    await fence(h, await publisher(), 'https://example.com/fence', [s]);
    expect(dataBeforeFence(s)).toEqual([]);
  });

  it('"mercure.publish contains an array of topic selectors": a URI template authorizes the topics it matches', async () => {
    const h = await start();
    const token = await legacyToken({ publish: ['https://example.com/books/{id}'] });
    const allowed = await publishAs(h, token, [['topic', 'https://example.com/books/1']]);
    const denied = await publishAs(h, token, [['topic', 'https://example.com/users/1']]);
    expect(allowed.status).toBe(200);
    expect(denied.status).toBe(403);
  });

  it('"If mercure.publish is not defined, or contains an empty array, then the publisher MUST NOT be authorized to dispatch any update"', async () => {
    const h = await start();
    const empty = await publishAs(h, await legacyToken({ publish: [] }), [
      ['topic', 'https://example.com/a'],
    ]);
    const undefinedClaim = await publishAs(h, await legacyToken({ subscribe: ['*'] }), [
      ['topic', 'https://example.com/a'],
    ]);
    // "If the client tries to execute an operation it is not allowed to, a 403 HTTP status code SHOULD be returned."
    expect(empty.status).toBe(403);
    expect(undefinedClaim.status).toBe(403);
  });

  it('"both publishers and subscribers must present a valid JWS": publishing without a token is refused with 401', async () => {
    const h = await start();
    const response = await fetch(`${h.url}/.well-known/mercure`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'topic=https%3A%2F%2Fexample.com%2Fa',
    });
    expect(response.status).toBe(401);
  });

  it('"an authorization URI query parameter": Herald takes it from subscribers only; a publisher token in the URL is refused with 400, where proxies and logs would keep it', async () => {
    const h = await start();
    const watcher = await stream(h, 'topic=https%3A%2F%2Fexample.com%2Fa');
    await waitForSubscribers(h.herald, 1);
    const response = await fetch(`${h.url}/.well-known/mercure?authorization=${await publisher()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'topic=https%3A%2F%2Fexample.com%2Fa&data=in-the-url',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('www-authenticate')).toMatch(/invalid_request/);
    expect(await response.text()).toMatch(/not accepted in the URL.*Authorization header/);
    await fence(h, await publisher(), 'https://example.com/a', [watcher]);
    expect(dataBeforeFence(watcher)).toEqual([]);
  });

  it('"It is RECOMMENDED to name the cookie mercureAuthorization": a browser publisher from an allowed origin may use it', async () => {
    const h = await start({ corsOrigins: ['https://app.example'] });
    const response = await fetch(`${h.url}/.well-known/mercure`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `mercureAuthorization=${await publisher()}`,
        origin: 'https://app.example',
      },
      body: 'topic=https%3A%2F%2Fexample.com%2Fa',
    });
    expect(response.status).toBe(200);
  });
});

describe('0.x subscription and topic selectors', () => {
  it('"one or several query parameters named topic": a subscription receives updates of every listed topic', async () => {
    const h = await start();
    const s = await stream(h, `topic=${q('https://example.com/foo')}&topic=bar`);
    await waitForSubscribers(h.herald, 1);
    const token = await publisher();
    await publishThenFence(
      h,
      token,
      [
        { topic: 'https://example.com/foo', data: 'foo' },
        { topic: 'bar', data: 'bar' },
        { topic: 'baz', data: 'baz' },
      ],
      'bar',
      [s],
    );
    expect(dataBeforeFence(s)).toEqual(['foo', 'bar']);
  });

  it('"If the topic selector is a valid URI Template, and that the string matches this URI Template, the string matches the selector"', async () => {
    const h = await start();
    const s = await stream(h, `topic=${q('https://example.com/books/{id}')}`);
    await waitForSubscribers(h.herald, 1);
    const token = await publisher();
    await publishAs(h, token, [
      ['topic', 'https://example.com/books/1'],
      ['data', 'book 1'],
    ]);
    await publishAs(h, token, [
      ['topic', 'https://example.com/users/1'],
      ['data', 'user 1'],
    ]);
    // "If the topic selector and the string are exactly the same, the string matches the selector."
    await publishThenFence(
      h,
      token,
      [{ topic: 'https://example.com/books/{id}', data: 'the template itself' }],
      'https://example.com/books/fence',
      [s],
    );
    expect(dataBeforeFence(s)).toEqual(['book 1', 'the template itself']);
  });

  it('"If the topic selector is * then the string matches the selector"', async () => {
    const h = await start();
    const s = await stream(h, 'topic=*');
    await waitForSubscribers(h.herald, 1);
    await publishAs(h, await publisher(), [
      ['topic', 'urn:anything'],
      ['data', 'x'],
    ]);
    expect((await s.waitFor(1))[0]?.data).toBe('x');
  });

  it('"The topic query parameters MUST contain topic selectors": a request without any is refused with 400', async () => {
    const h = await start();
    const s = await stream(h, 'foo=bar');
    expect(s.response.status).toBe(400);
  });
});

describe('0.x authorization of subscribers', () => {
  it('"The hub MUST check that at least one topic of the update to dispatch (canonical or alternate) matches at least one topic selector provided in mercure.subscribe" (the spec\'s users/foo/{?topic} example)', async () => {
    const h = await start();
    const token = await legacyToken({ subscribe: ['https://example.com/users/foo/{?topic}'] });
    const s = await stream(h, `topic=${q('https://example.com/books/{id}')}`, bearer(token));
    const received = await dataReceived(
      h,
      s,
      await publisher(),
      [
        {
          topic: [
            'https://example.com/books/1',
            'https://example.com/users/foo/?topic=https%3A%2F%2Fexample.com%2Fbooks%2F1',
          ],
          data: 'shared with foo',
          private: 'on',
        },
        {
          topic: [
            'https://example.com/books/2',
            'https://example.com/users/bar/?topic=https%3A%2F%2Fexample.com%2Fbooks%2F2',
          ],
          data: 'shared with bar',
          private: 'on',
        },
      ],
      'https://example.com/books/fence',
    );
    expect(received).toEqual(['shared with foo']);
  });
});

describe('0.x reconnection and state reconciliation', () => {
  async function history(h: TestHub, count: number): Promise<string[]> {
    const items = Array.from({ length: count }, (_, i) => ({ data: `e${i + 1}` }));
    return publishHistory(h, await publisher(), items);
  }

  it('"When the request contains a Last-Event-ID HTTP header or a lastEventID query parameter the hub MUST set a Last-Event-ID header on the HTTP response"; without them, none is required', async () => {
    const h = await start();
    await history(h, 1);
    const withParam = await stream(h, 'topic=*&lastEventID=earliest');
    expect(withParam.response.headers.get('last-event-id')).not.toBeNull();
  });

  it('"… or the reserved value earliest if there is no preceding event (… when the subscriber requests the earliest event …)"', async () => {
    const h = await start();
    await history(h, 2);
    const s = await stream(h, 'topic=*&lastEventID=earliest');
    expect(s.response.headers.get('last-event-id')).toBe('earliest');
  });

  it('"… the ID of the event preceding the first one sent": a live-only subscription (no cursor) is answered the newest id, which precedes every event it will get', async () => {
    const h = await start();
    const [, second] = await history(h, 2);
    const s = await stream(h, 'topic=*');
    expect(s.response.headers.get('last-event-id')).toBe(second);
  });
});

describe('0.x active subscriptions', () => {
  const apiToken = MERCURE_0X.subscriptionsApiToken;

  it('"The topic of these updates MUST be an expansion of /.well-known/mercure/subscriptions/{topic}/{subscriber}" with the JSON-LD document of the spec, marked private', async () => {
    const h = await start({ subscriptionsApi: true });
    const watcher = await stream(h, `topic=${q('/.well-known/mercure/subscriptions{/topic}{/subscriber}')}`, {
      ...bearer(await apiToken()),
    });
    const anonymous = await stream(
      h,
      `topic=${q('/.well-known/mercure/subscriptions{/topic}{/subscriber}')}&topic=${q('https://example.com/fence')}`,
    );
    await waitForSubscribers(h.herald, 2);
    const selector = 'https://example.com/{selector}';
    const subscriberToken = await legacyToken(
      { subscribe: [], payload: { foo: 'bar' } },
      { sub: 'urn:uuid:sub-1' },
    );
    const subscriber = await stream(h, `topic=${q(selector)}`, bearer(subscriberToken));
    const created = await waitForEvent(watcher, isSubscriptionEvent('urn:uuid:sub-1', true));
    const expectedId = `/.well-known/mercure/subscriptions/${q(selector)}/${q('urn:uuid:sub-1')}`;
    expect(expectedId).toBe(
      '/.well-known/mercure/subscriptions/https%3A%2F%2Fexample.com%2F%7Bselector%7D/urn%3Auuid%3Asub-1',
    );
    expect(JSON.parse(created?.data ?? '{}')).toEqual({
      '@context': 'https://mercure.rocks/',
      id: expectedId,
      type: 'Subscription',
      topic: selector,
      subscriber: 'urn:uuid:sub-1',
      active: true,
      payload: { foo: 'bar' },
    });
    subscriber.close();
    // "active: true when the subscription is active, and false when it is terminated"
    const terminated = await waitForEvent(watcher, isSubscriptionEvent('urn:uuid:sub-1', false));
    expect(JSON.parse(terminated?.data ?? '{}')).toMatchObject({ id: expectedId, active: false });
    // "the subscription update MUST be marked as private"
    await fence(h, await publisher(), 'https://example.com/fence', [anonymous]);
    expect(dataBeforeFence(anonymous)).toEqual([]);
  });

  it('"/.well-known/mercure/subscriptions: the collection of subscriptions" with @context, id, type Subscriptions, subscriptions and lastEventID', async () => {
    const h = await start({ subscriptionsApi: true });
    const s = await stream(
      h,
      `topic=${q('https://example.com/a')}`,
      bearer(await legacyToken({}, { sub: 'urn:s:1' })),
    );
    expect(s.response.status).toBe(200);
    await waitForSubscribers(h.herald, 1);
    const res = await getJson(h, SUBSCRIPTIONS, bearer(await apiToken()));
    expect(res.status).toBe(200);
    // "The web API MUST set the Content-Type HTTP header to application/ld+json."
    expect(res.contentType).toMatch(/^application\/ld\+json/);
    expect(res.body).toMatchObject({
      '@context': 'https://mercure.rocks/',
      id: SUBSCRIPTIONS,
      type: 'Subscriptions',
      subscriptions: [
        {
          id: `${SUBSCRIPTIONS}/${q('https://example.com/a')}/${q('urn:s:1')}`,
          type: 'Subscription',
          topic: 'https://example.com/a',
          subscriber: 'urn:s:1',
          active: true,
        },
      ],
    });
    // "all endpoints MUST set the lastEventID property at the root": the subscription event's id here.
    expect(res.body?.['lastEventID']).toBe(h.herald.hub.lastEventId);
    expect(res.body?.['lastEventID']).not.toBe('earliest');
  });

  it('"/.well-known/mercure/subscriptions/{topic}" and "…/{topic}/{subscriber}": the per-selector collection and the single subscription document', async () => {
    const h = await start({ subscriptionsApi: true });
    const headers = bearer(await legacyToken({}, { sub: 'urn:s:1' }));
    await stream(h, `topic=${q('https://example.com/a')}`, headers);
    await stream(h, `topic=${q('https://example.com/b')}`, bearer(await legacyToken({}, { sub: 'urn:s:2' })));
    await waitForSubscribers(h.herald, 2);
    const auth = bearer(await apiToken());
    const collection = await getJson(h, `${SUBSCRIPTIONS}/${q('https://example.com/a')}`, auth);
    expect(collection.status).toBe(200);
    expect(collection.body?.['type']).toBe('Subscriptions');
    expect(collection.body?.['subscriptions']).toHaveLength(1);
    const single = await getJson(h, `${SUBSCRIPTIONS}/${q('https://example.com/a')}/${q('urn:s:1')}`, auth);
    expect(single.status).toBe(200);
    expect(single.body).toMatchObject({
      '@context': 'https://mercure.rocks/',
      type: 'Subscription',
      topic: 'https://example.com/a',
      subscriber: 'urn:s:1',
      active: true,
      lastEventID: h.herald.hub.lastEventId,
    });
  });

  it('"The requested URL MUST match at least one of the topic selectors provided in the mercure.subscribe key of the JWS": otherwise 403', async () => {
    const h = await start({ subscriptionsApi: true });
    const res = await getJson(
      h,
      SUBSCRIPTIONS,
      bearer(await legacyToken({ subscribe: ['https://example.com/{x}'] })),
    );
    expect(res.status).toBe(403);
  });
});

describe('0.x discovery and CORS', () => {
  it('"The URL of the hub MUST be the well-known fixed path /.well-known/mercure": GET subscribes and POST publishes there', async () => {
    const h = await start();
    const s = await stream(h, 'topic=*');
    expect(s.response.status).toBe(200);
    expect((await publishAs(h, await publisher(), [['topic', 'x']])).status).toBe(200);
  });
});

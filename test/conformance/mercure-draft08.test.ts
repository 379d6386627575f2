/**
 * Mercure draft-08 conformance (`spec/mercure.md`, draft-dunglas-mercure-08): `match`/`match_exact`/
 * `match_urlpattern` matchers, access tokens (`typ: at+jwt`, `iss`, `aud`, `authorization_details`;
 * more in draft08-tokens.test.ts), the `__Secure-mercure_access_token` cookie, reserved namespace,
 * draft-08 subscription events. Each test quotes the sentence it checks. The rules 0.x states alike run from
 * common-cases.ts with this version's matchers and tokens. A failing test here is a deviation from
 * the spec: see docs/mercure-conformance.md.
 */
import { describe, expect, it } from 'vitest';
import { describeCommonCases, type MercureVersion } from './common-cases.js';
import {
  accessToken,
  bearer,
  conformanceFixture,
  dataBeforeFence,
  dataReceived,
  fence,
  getJson,
  ISSUER,
  MERCURE_DETAIL_TYPE,
  mercureLinkOf,
  type ParsedEvent,
  privateUpdateReceivedBy,
  publishAs,
  publishHistory,
  RESOURCE,
  SECRET,
  SUBSCRIPTIONS,
  subscriptionsIn,
  type TestHub,
  waitForEvent,
  waitForSubscribers,
} from './support.js';

const { start, stream, current, forget } = conformanceFixture();

const q = (value: string) => encodeURIComponent(value);
const publisher = () => accessToken([{ actions: ['publish'], topics: ['*'] }]);
const subscriberOf = (...topics: unknown[]) => accessToken([{ actions: ['subscribe'], topics }]);
/** RFC 9728 §3.1: the metadata URL derived from the resource identifier. */
const METADATA_URL = RESOURCE.replace(
  '/.well-known/mercure',
  '/.well-known/oauth-protected-resource/.well-known/mercure',
);
const apiToken = () =>
  accessToken([
    {
      actions: ['subscribe'],
      topics: [{ match: `${SUBSCRIPTIONS}{/*}?`, match_type: 'urlpattern' }, SUBSCRIPTIONS],
    },
  ]);

const DRAFT_08: MercureVersion = {
  name: 'draft-08',
  select: (topic) => `match=${q(topic)}`,
  publisher,
  subscriber: (topics, { expSec } = {}) =>
    accessToken([{ actions: ['subscribe'], topics }], {
      claims: expSec === undefined ? {} : { exp: expSec },
    }),
  tokenCookie: '__Secure-mercure_access_token',
  // "The access_token URI query parameter … is not part of this specification".
  tokenQueryParameter: undefined,
  subscriptionsApiToken: apiToken,
  subscriptionUrl: (topic, subscriber) => `${SUBSCRIPTIONS}/exact/${q(topic)}/${q(subscriber)}`,
  cursorParameter: 'last_event_id',
  cursorHeader: 'mercure-last-event-id',
  // "every endpoint MUST carry the reconciliation cursor as a last-event-id target attribute on the rel="mercure" Link header"
  subscriptionsCursor: (res) => mercureLinkOf(res.headers)?.params['last-event-id'],
};

describeCommonCases(DRAFT_08);

describe('draft-08 publication', () => {
  it('"Topic strings … MUST NOT contain C0 (U+0000–U+001F) or C1 (U+0080–U+009F) control characters or U+007F (DEL)": refused with 400', async () => {
    const h = await start();
    const token = await publisher();
    for (const topic of ['https://example.com/a\nb', 'a\u0000b', 'a\u007fb', 'a\u0085b']) {
      expect((await publishAs(h, token, [['topic', topic]])).status).toBe(400);
    }
  });

  it('"its path component is /.well-known/mercure or begins with /.well-known/mercure/": neighbours of the namespace are ordinary topics', async () => {
    const h = await start();
    const token = await publisher();
    for (const topic of [
      '/.well-known/mercurex',
      'https://example.com/.well-known/mercure-like',
      'urn:x:.well-known/mercure',
    ]) {
      expect((await publishAs(h, token, [['topic', topic]])).status, topic).toBe(200);
    }
  });

  it('"The provided ID MUST NOT start with the # character and MUST NOT contain U+000A (LF), U+000D (CR), or U+0000 (NUL) … MUST reject … with a 400"', async () => {
    const h = await start();
    const token = await publisher();
    for (const id of ['#1', 'a\nb', 'a\rb', 'a\u0000b']) {
      expect(
        (
          await publishAs(h, token, [
            ['topic', 'https://example.com/a'],
            ['id', id],
          ])
        ).status,
        JSON.stringify(id),
      ).toBe(400);
    }
  });

  it('"type … MUST NOT contain U+000A or U+000D; hubs MUST reject violating values with a 400"', async () => {
    const h = await start();
    const token = await publisher();
    for (const type of ['a\nb', 'a\rb']) {
      expect(
        (
          await publishAs(h, token, [
            ['topic', 'https://example.com/a'],
            ['type', type],
          ])
        ).status,
      ).toBe(400);
    }
  });

  it('"retry … MUST consist solely of ASCII digits (U+0030–U+0039); hubs MUST reject violating values with a 400"', async () => {
    const h = await start();
    const token = await publisher();
    for (const retry of ['-1', '1.5', ' 10', '1e3', 'abc', '١٢']) {
      expect(
        (
          await publishAs(h, token, [
            ['topic', 'https://example.com/a'],
            ['retry', retry],
          ])
        ).status,
        retry,
      ).toBe(400);
    }
    expect(
      (
        await publishAs(h, token, [
          ['topic', 'https://example.com/a'],
          ['retry', '3000'],
        ])
      ).status,
    ).toBe(200);
  });

  it('"Requests exceeding any such limit MUST be rejected with a 413" (request body, and a field over its length limit)', async () => {
    const h = await start({ maxBodyBytes: 1024 });
    const token = await publisher();
    const big = await publishAs(h, token, [
      ['topic', 'https://example.com/a'],
      ['data', 'x'.repeat(2000)],
    ]);
    expect(big.status).toBe(413);
    const longTopic = await publishAs(h, token, [['topic', `https://example.com/${'t'.repeat(900)}`]]);
    expect(longTopic.status).toBe(200);
    const h2 = await (async () => {
      await h.close();
      forget();
      return start();
    })();
    const tooLongTopic = await publishAs(h2, await publisher(), [
      ['topic', `https://example.com/${'t'.repeat(4000)}`],
    ]);
    expect(tooLongTopic.status).toBe(413);
  });
});

describe('draft-08 authorization of publishers', () => {
  it('"A publisher MUST present a token that grants the publish action on the update\'s topic … Otherwise … MUST return a 403 status code with error=\\"insufficient_scope\\""', async () => {
    const h = await start();
    const s = await stream(h, 'match=*');
    await waitForSubscribers(h.herald, 1);
    const limited = await accessToken([
      {
        actions: ['publish'],
        topics: [{ match: 'https://example.com/books/:id', match_type: 'urlpattern' }],
      },
    ]);
    expect(
      (
        await publishAs(h, limited, [
          ['topic', 'https://example.com/books/1'],
          ['data', 'allowed'],
        ])
      ).status,
    ).toBe(200);
    const denied = await publishAs(h, limited, [
      ['topic', 'https://example.com/users/1'],
      ['data', 'must not arrive'],
    ]);
    expect(denied.status).toBe(403);
    expect(denied.response.headers.get('www-authenticate')).toMatch(/^Bearer .*error="insufficient_scope"/);
    await fence(h, await publisher(), 'https://example.com/fence', [s]);
    expect(dataBeforeFence(s)).toEqual(['allowed']);
  });

  it('"Tokens with no mercure authorization detail grant no publish or subscribe rights": a subscribe-only or foreign-type token cannot publish', async () => {
    const h = await start();
    const subscribeOnly = await subscriberOf('*');
    const foreign = await accessToken([{ type: 'payment_initiation', actions: ['publish'], topics: ['*'] }]);
    expect((await publishAs(h, subscribeOnly, [['topic', 'https://example.com/a']])).status).toBe(403);
    expect((await publishAs(h, foreign, [['topic', 'https://example.com/a']])).status).toBe(403);
  });

  it('"If no access token is presented and the requested operation requires one, the hub MUST return a 401 … with a WWW-Authenticate: Bearer challenge and MUST NOT include an error code"', async () => {
    const h = await start();
    const response = await fetch(`${h.url}/.well-known/mercure`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'topic=x',
    });
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer\b/);
    expect(challenge).not.toMatch(/error=/);
    // "the hub's WWW-Authenticate: Bearer challenge SHOULD include a resource_metadata parameter"
    expect(challenge).toBe(`Bearer resource_metadata="${METADATA_URL}"`);
  });
});

describe('draft-08 token validation (401 error="invalid_token")', () => {
  async function statusOf(token: string): Promise<{ status: number; challenge: string | null }> {
    const h = current() ?? (await start());
    const res = await publishAs(h, token, [['topic', 'https://example.com/a']]);
    return { status: res.status, challenge: res.response.headers.get('www-authenticate') };
  }
  const allowAll = [{ actions: ['publish' as const], topics: ['*'] }];

  it.each([
    [
      '"MUST enforce the exp claim" (expired)',
      () => accessToken(allowAll, { claims: { exp: Math.floor(Date.now() / 1000) - 60 } }),
    ],
    [
      '"MUST enforce the nbf claim if present"',
      () => accessToken(allowAll, { claims: { nbf: Math.floor(Date.now() / 1000) + 600 } }),
    ],
    [
      '"MUST verify that it [the resource identifier] appears in the token aud claim" (other audience)',
      () => accessToken(allowAll, { claims: { aud: 'https://other.example/.well-known/mercure' } }),
    ],
    [
      '"MUST verify that it appears in the token aud claim" (no aud)',
      () => accessToken(allowAll, { omit: ['aud'] }),
    ],
    ['"exp is required" (no exp)', () => accessToken(allowAll, { omit: ['exp'] })],
    [
      '"MUST verify that the token header typ is at+jwt" (typ JWT with authorization_details)',
      () => accessToken(allowAll, { typ: 'JWT' }),
    ],
    [
      '"A non-string entry in actions remains a validation failure"',
      () => accessToken([{ actions: ['publish', 7], topics: ['*'] }]),
    ],
    ['"topics … a non-empty JSON array"', () => accessToken([{ actions: ['publish'], topics: [] }])],
    [
      '"a match_type the hub does not support MUST cause the token to be rejected"',
      () => accessToken([{ actions: ['publish'], topics: [{ match: '.*', match_type: 'regexp' }] }]),
    ],
    [
      '"Any entry that is not a JSON object … MUST cause the token to be rejected"',
      () => accessToken([{ actions: ['publish'], topics: ['*', 42] }]),
    ],
  ])('%s', async (_name, makeToken) => {
    const { status, challenge } = await statusOf(await makeToken());
    expect(status).toBe(401);
    expect(challenge).toMatch(/error="invalid_token"/);
  });

  it('"Hubs MUST NOT accept alg=none"', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
    const claims = Buffer.from(
      JSON.stringify({
        iss: ISSUER,
        aud: RESOURCE,
        exp: Math.floor(Date.now() / 1000) + 600,
        authorization_details: [
          { type: MERCURE_DETAIL_TYPE, actions: ['publish'], topics: [{ match: '*' }] },
        ],
      }),
    ).toString('base64url');
    const { status } = await statusOf(`${header}.${claims}.`);
    expect(status).toBe(401);
  });

  it('"aud MAY be a single string or an array of strings; the resource identifier matches when it … is a member of that array"', async () => {
    const { status } = await statusOf(
      await accessToken(allowAll, { claims: { aud: ['https://other.example', RESOURCE] } }),
    );
    expect(status).toBe(200);
  });

  it('"If any Mercure authorization detail fails to parse or validate (including failures specific to a matcher\'s match_type) … MUST NOT act on the basis of the remaining entries"', async () => {
    const token = await accessToken([
      { actions: ['publish'], topics: ['*'] },
      { actions: ['subscribe'], topics: [{ match: 'x', match_type: 'Exact' }] },
    ]);
    expect((await statusOf(token)).status).toBe(401);
  });
});

describe('draft-08 subscription and matcher types', () => {
  async function receivedBy(
    query: string,
    topics: string[],
    headers: Record<string, string> = {},
  ): Promise<string[]> {
    const h = current() ?? (await start());
    const s = await stream(h, query, headers);
    expect(s.response.status).toBe(200);
    await waitForSubscribers(h.herald, 1);
    const token = await publisher();
    for (const topic of topics)
      await publishAs(h, token, [
        ['topic', topic],
        ['data', topic],
      ]);
    await fence(h, token, 'urn:fence', [s]);
    return dataBeforeFence(s);
  }

  it('"the bare match parameter selects the default exact matcher type … match_exact is the explicit spelling"; "A request MAY contain several such parameters, in any combination"', async () => {
    const got = await receivedBy(
      `match=${q('https://example.com/foo')}&match_exact=bar&match_urlpattern=${q('https://example.com/bar/:id')}&match=urn:fence`,
      ['https://example.com/foo', 'bar', 'https://example.com/bar/1', 'https://example.com/baz'],
    );
    expect(got).toEqual(['https://example.com/foo', 'bar', 'https://example.com/bar/1']);
  });

  it('"the hub MUST perform an exact, case-sensitive, byte-for-byte comparison … MUST NOT resolve relative values … MUST NOT perform Unicode or IRI normalization"', async () => {
    const nfc = 'https://example.com/caf\u00e9';
    const nfd = 'https://example.com/cafe\u0301';
    const got = await receivedBy(`match=${q(nfc)}&match=${q('/books/1')}&match=urn:fence`, [
      nfd,
      nfc,
      'https://EXAMPLE.com/caf\u00e9',
      'https://hub.test/books/1',
      '/books/1',
    ]);
    expect(got).toEqual([nfc, '/books/1']);
  });

  it('"The matcher value * is reserved as a wildcard that matches every topic … regardless of matcher type"', async () => {
    const h = await start();
    const exact = await stream(h, 'match=*');
    const pattern = await stream(h, 'match_urlpattern=*');
    await waitForSubscribers(h.herald, 2);
    await publishAs(h, await publisher(), [
      ['topic', 'urn:anything'],
      ['data', 'x'],
    ]);
    expect((await exact.waitFor(1))[0]?.data).toBe('x');
    expect((await pattern.waitFor(1))[0]?.data).toBe('x');
  });

  it('"When evaluating a relative pattern or a relative topic, the hub MUST use the hub\'s URL as the base URL"', async () => {
    const got = await receivedBy(`match_urlpattern=${q('/books/:id')}&match=urn:fence`, [
      'https://hub.test/books/1',
      '/books/2',
      'https://example.com/books/3',
    ]);
    expect(got).toEqual(['https://hub.test/books/1', '/books/2']);
  });

  it('"hubs MUST NOT enable the ignoreCase option. Host components remain case-insensitive"', async () => {
    const got = await receivedBy(`match_urlpattern=${q('https://EXAMPLE.com/Books/:id')}&match=urn:fence`, [
      'https://example.com/Books/1',
      'https://example.com/books/2',
    ]);
    expect(got).toEqual(['https://example.com/Books/1']);
  });

  it('"A request using a parameter name in the reserved match namespace … that does not correspond to a matcher type … MUST be rejected with a 400"', async () => {
    const h = await start();
    for (const name of [
      'matchRegexp',
      'matchurlpattern',
      'matchexact',
      'MATCH',
      'matchFoo',
      'Match',
      'match_type',
    ]) {
      const s = await stream(h, `${name}=x`);
      expect(s.response.status, name).toBe(400);
    }
  });

  it('"The <matcher-type> suffix MUST be the matcher type name in its canonical form": the earlier revision\'s matchExact and matchURLPattern, and match_URLPattern, are refused with 400', async () => {
    const h = await start();
    for (const name of ['matchExact', 'matchURLPattern', 'match_URLPattern', 'match_Exact']) {
      const s = await stream(h, `${name}=${q('https://example.com/b/:id')}`);
      expect(s.response.status, name).toBe(400);
    }
  });

  it('"The value of each topic matcher query parameter … MUST NOT contain C0 … or C1 control characters or U+007F. Requests violating this constraint MUST be rejected with a 400"', async () => {
    const h = await start();
    for (const value of ['a\u0001b', 'a\u007fb', 'a\u0090b']) {
      expect((await stream(h, `match=${q(value)}`)).response.status).toBe(400);
    }
  });

  it('"Requests exceeding any such limit [number of matcher parameters] MUST be rejected with a 400"', async () => {
    const h = await start({ maxSelectors: 3 });
    const s = await stream(h, ['a', 'b', 'c', 'd'].map((t) => `match=${t}`).join('&'));
    expect(s.response.status).toBe(400);
  });

  it('"hubs SHOULD apply implementation-defined maximums … to the length of each matcher\'s pattern. Requests exceeding any such limit MUST be rejected with a 400"', async () => {
    const h = await start();
    const s = await stream(h, `match=${q(`https://example.com/${'p'.repeat(5000)}`)}`);
    expect(s.response.status).toBe(400);
  });
});

describe('draft-08 authorization of subscribers', () => {
  const secret = 'https://example.com/books/1';

  async function privateDelivery(query: string, headers: Record<string, string>): Promise<string[]> {
    const h = current() ?? (await start());
    const s = await stream(h, query, headers);
    expect(s.response.status).toBe(200);
    return privateUpdateReceivedBy(h, s, await publisher(), secret);
  }

  it('"The access_token URI query parameter … is not part of this specification … hubs implementing this specification do not accept it": a subscription carrying one is refused with 400 invalid_request', async () => {
    const h = await start();
    const s = await stream(h, `match=*&access_token=${await subscriberOf(secret)}`);
    expect(s.response.status).toBe(400);
    expect(s.response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_request"/);
  });

  it('"A different name MAY be used": the earlier revision\'s cookie, mercureAccessToken, is still read', async () => {
    expect(
      await privateDelivery('match=*', { cookie: `mercureAccessToken=${await subscriberOf(secret)}` }),
    ).toEqual(['private']);
  });

  it('"A private update for https://example.com/books/1 is delivered; a private update for https://example.com/books/2 is not, even though the routing matcher would select it"', async () => {
    const h = await start();
    const token = await subscriberOf('https://example.com/books/1', {
      match: 'https://example.com/books/7',
      match_type: 'exact',
    });
    const s = await stream(h, `match_urlpattern=${q('https://example.com/books/:id')}`, bearer(token));
    const received = await dataReceived(
      h,
      s,
      await publisher(),
      [
        { topic: 'https://example.com/books/1', data: 'book 1', private: 'on' },
        { topic: 'https://example.com/books/2', data: 'book 2', private: 'on' },
      ],
      'https://example.com/books/fence',
    );
    expect(received).toEqual(['book 1']);
  });

  it('"Hubs MAY instead require all subscribers to present an access token": without one, 401 with a Bearer challenge without error code, pointing at the resource metadata', async () => {
    const h = await start({ allowAnonymous: false });
    const s = await stream(h, 'match=*');
    expect(s.response.status).toBe(401);
    expect(s.response.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${METADATA_URL}"`);
  });
});

describe('draft-08 reconnection and state reconciliation', () => {
  async function history(h: TestHub, items: { data: string; isPrivate?: boolean }[]): Promise<string[]> {
    return publishHistory(h, await publisher(), items);
  }

  it('"the hub MUST re-evaluate each candidate replayed event against the current access token": private history is not replayed to a token without the grant', async () => {
    const h = await start();
    await history(h, [{ data: 'secret', isPrivate: true }, { data: 'public' }]);
    const anonymous = await stream(h, 'match=*&last_event_id=earliest');
    const granted = await stream(
      h,
      'match=*&last_event_id=earliest',
      bearer(await subscriberOf('https://example.com/a')),
    );
    expect((await granted.waitFor(2)).map((e) => e.data)).toEqual(['secret', 'public']);
    expect((await anonymous.waitFor(1)).map((e) => e.data)).toEqual(['public']);
    await fence(h, await publisher(), 'https://example.com/a', [anonymous]);
    expect(dataBeforeFence(anonymous)).toEqual(['public']);
  });

  it('"The Mercure-Last-Event-ID response field is a cursor, however, and MAY contain the identifier of an event the subscriber is not authorized to receive": the requested private id, after which the replay starts', async () => {
    const h = await start();
    const [secretId] = await history(h, [{ data: 'secret', isPrivate: true }, { data: 'public' }]);
    const s = await stream(h, 'match=*', { 'last-event-id': secretId ?? '' });
    // "the identifier of the event preceding the first event sent": `public` follows `secret`, so
    // `earliest` would wrongly tell the subscriber that events may have been lost.
    expect(s.response.headers.get('mercure-last-event-id')).toBe(secretId);
    expect((await s.waitFor(1)).map((e) => e.data)).toEqual(['public']);
  });
});

describe('draft-08 active subscriptions', () => {
  const eventsPattern = '/.well-known/mercure/subscriptions/:match_type/:match/:subscriber';
  /** "generate a random identifier (for example, a UUID [@RFC9562]) for each connection". */
  const randomUuidIri = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('"The topic of these updates MUST be … /.well-known/mercure/subscriptions/{match_type}/{match}/{subscriber}" with the spec\'s document, under the SSE type mercure, marked private', async () => {
    const h = await start({ subscriptionsApi: true });
    const watcherToken = await accessToken([
      { actions: ['subscribe'], topics: [{ match: eventsPattern, match_type: 'urlpattern' }] },
    ]);
    const watcher = await stream(h, `match_urlpattern=${q(eventsPattern)}`, bearer(watcherToken));
    const anonymous = await stream(h, `match_urlpattern=${q(eventsPattern)}&match=urn:fence`);
    await waitForSubscribers(h.herald, 2);
    const pattern = 'https://example.com/:selector';
    const token = await accessToken(
      [
        {
          actions: ['subscribe'],
          topics: [{ match: pattern, match_type: 'urlpattern' }],
          payload: { foo: 'bar' },
        },
      ],
      { claims: { sub: 'urn:uuid:bb3de268-05b0-4c65-b44e-8f9acefc29d6' } },
    );
    const subscriber = await stream(h, `match_urlpattern=${q(pattern)}`, bearer(token));
    const isAbout = (active: boolean) => (event: ParsedEvent) => {
      const doc = JSON.parse(event.data) as { match?: unknown; active?: unknown };
      return doc.match === pattern && doc.active === active;
    };
    const created = await waitForEvent(watcher, isAbout(true));
    // "set to the reserved value mercure"
    expect(created.event).toBe('mercure');
    const doc = JSON.parse(created.data) as { subscriber: string };
    // The hub's own id for this connection, not the token's sub.
    expect(doc.subscriber).toMatch(randomUuidIri);
    // The spec's example id, each variable percent-encoded exactly once.
    const expectedId = `/.well-known/mercure/subscriptions/urlpattern/https%3A%2F%2Fexample.com%2F%3Aselector/${q(doc.subscriber)}`;
    expect(doc).toEqual({
      id: expectedId,
      type: 'subscription',
      match_type: 'urlpattern',
      match: pattern,
      subscriber: doc.subscriber,
      active: true,
      payload: { foo: 'bar' },
      'herald:subscribedAt': expect.any(String),
    });
    subscriber.close();
    const terminated = await waitForEvent(watcher, isAbout(false));
    expect(terminated.event).toBe('mercure');
    expect(JSON.parse(terminated.data)).toMatchObject({ id: expectedId, active: false });
    // "the subscription update MUST be marked as private"
    await fence(h, await publisher(), 'urn:fence', [anonymous]);
    expect(dataBeforeFence(anonymous)).toEqual([]);
  });

  it('"the value of each variable MUST be percent-encoded exactly once … (any % characters it already contains are themselves encoded)"', async () => {
    const h = await start({ subscriptionsApi: true });
    await stream(h, `match=${q('https://example.com/a%20b')}`, bearer(await subscriberOf('x')));
    await waitForSubscribers(h.herald, 1);
    const res = await getJson(h, SUBSCRIPTIONS, bearer(await apiToken()));
    const [doc] = subscriptionsIn<{ id: string; subscriber: string }>(res.body);
    expect(doc?.id).toBe(
      `${SUBSCRIPTIONS}/exact/https%3A%2F%2Fexample.com%2Fa%2520b/${q(doc?.subscriber ?? '')}`,
    );
  });

  it('"It is RECOMMENDED that the hub generate a random identifier … for each connection"; "Distinct subscribers MUST receive distinct identifiers": anonymous subscribers too', async () => {
    const h = await start({ subscriptionsApi: true });
    await stream(h, 'match=urn:a');
    await stream(h, 'match=urn:a');
    await waitForSubscribers(h.herald, 2);
    const res = await getJson(h, SUBSCRIPTIONS, bearer(await apiToken()));
    const docs = subscriptionsIn<{ subscriber: string }>(res.body);
    expect(docs).toHaveLength(2);
    expect(docs[0]?.subscriber).not.toBe(docs[1]?.subscriber);
    expect(docs[0]?.subscriber).toMatch(randomUuidIri);
    expect(docs[1]?.subscriber).toMatch(randomUuidIri);
  });

  it('"the derivation MUST yield an identifier unique per connection: the pair formed by the token\'s issuer and its sub claim … is not sufficient on its own": two connections with one token and one matcher get distinct ids, neither the sub', async () => {
    const h = await start({ subscriptionsApi: true });
    const token = await subscriberOf('x');
    await stream(h, 'match=urn:a', bearer(token));
    await stream(h, 'match=urn:a', bearer(token));
    await waitForSubscribers(h.herald, 2);
    const res = await getJson(h, SUBSCRIPTIONS, bearer(await apiToken()));
    const docs = subscriptionsIn<{ id: string; subscriber: string }>(res.body);
    expect(docs).toHaveLength(2);
    expect(new Set(docs.map((d) => d.id)).size).toBe(2);
    for (const doc of docs) expect(doc.subscriber).not.toBe('urn:test:subscriber');
  });

  it('"The payload of the first subscribe authorization detail whose topics matches the subscription\'s own matcher MUST be included" — per subscription, when one request has several matchers', async () => {
    const h = await start({ subscriptionsApi: true });
    const token = await accessToken([
      { actions: ['subscribe'], topics: ['https://example.com/foo'], payload: { custom1: 'foo only' } },
      {
        actions: ['subscribe'],
        topics: [{ match: 'https://example.com/bar/:id', match_type: 'urlpattern' }],
        payload: { custom2: 'bar' },
      },
      { actions: ['subscribe'], topics: ['*'], payload: { custom3: 'default' } },
    ]);
    await stream(
      h,
      `match=${q('https://example.com/foo')}&match_urlpattern=${q('https://example.com/bar/:id')}&match=urn:other`,
      bearer(token),
    );
    await waitForSubscribers(h.herald, 1);
    const res = await getJson(h, SUBSCRIPTIONS, bearer(await apiToken()));
    const payloads = Object.fromEntries(
      subscriptionsIn<{ match: string; payload: unknown }>(res.body).map((d) => [d.match, d.payload]),
    );
    expect(payloads).toEqual({
      'https://example.com/foo': { custom1: 'foo only' },
      'https://example.com/bar/:id': { custom2: 'bar' },
      'urn:other': { custom3: 'default' },
    });
  });

  it('Subscription API: collection, per-matcher collection and single subscription, application/json, the cursor on the rel="mercure" Link header and not in the body', async () => {
    const h = await start({ subscriptionsApi: true });
    await stream(
      h,
      `match_urlpattern=${q('https://example.com/:selector')}`,
      bearer(await subscriberOf('x')),
    );
    await waitForSubscribers(h.herald, 1);
    const auth = bearer(await apiToken());
    const matchPath = `${SUBSCRIPTIONS}/urlpattern/${q('https://example.com/:selector')}`;
    const all = await getJson(h, SUBSCRIPTIONS, auth);
    // "The web API MUST set the Content-Type HTTP header to application/json."
    expect(all.contentType).toMatch(/^application\/json/);
    const [listed] = subscriptionsIn<{ id: string; subscriber: string }>(all.body);
    const single = `${matchPath}/${q(listed?.subscriber ?? '')}`;
    expect(all.body).toEqual({
      id: SUBSCRIPTIONS,
      type: 'subscriptions',
      subscriptions: [
        {
          id: single,
          type: 'subscription',
          match_type: 'urlpattern',
          match: 'https://example.com/:selector',
          subscriber: listed?.subscriber,
          active: true,
          'herald:subscribedAt': expect.any(String),
        },
      ],
    });
    const perMatcher = await getJson(h, matchPath, auth);
    expect(perMatcher.status).toBe(200);
    expect(perMatcher.body).toMatchObject({
      id: matchPath,
      type: 'subscriptions',
      subscriptions: [{ id: single }],
    });
    // "URLs returning a single subscription … MUST expose the same document as described in (#subscription-events)"
    const one = await getJson(h, single, auth);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(subscriptionsIn(all.body)[0]);
    // "every endpoint MUST carry the reconciliation cursor as a last-event-id target attribute on the rel="mercure" Link header"
    for (const res of [all, perMatcher, one]) {
      expect(mercureLinkOf(res.headers)?.params).toEqual({
        rel: 'mercure',
        'last-event-id': h.herald.hub.lastEventId,
        type: 'mercure',
        'content-type': 'application/json',
      });
    }
  });

  it('"If no detail grants subscribe on the requested URL, the hub MUST answer 403"; a relative urlpattern grant covers the endpoints it matches', async () => {
    const h = await start({ subscriptionsApi: true });
    const other = await getJson(h, SUBSCRIPTIONS, bearer(await subscriberOf('https://example.com/x')));
    expect(other.status).toBe(403);
    const narrow = bearer(
      await accessToken([
        {
          actions: ['subscribe'],
          topics: [{ match: `${SUBSCRIPTIONS}/exact/:match`, match_type: 'urlpattern' }],
        },
      ]),
    );
    expect((await getJson(h, `${SUBSCRIPTIONS}/exact/${q('urn:a')}`, narrow)).status).toBe(200);
    expect((await getJson(h, SUBSCRIPTIONS, narrow)).status).toBe(403);
    // "or the reserved *"
    expect((await getJson(h, SUBSCRIPTIONS, bearer(await subscriberOf('*')))).status).toBe(200);
  });
});

describe('draft-08 discovery and CORS', () => {
  it('"the hub SHOULD publish OAuth 2.0 Protected Resource Metadata … at /.well-known/oauth-protected-resource/.well-known/mercure": resource, the detail type URI, bearer method header, the cookie name, no version member', async () => {
    const h = await start();
    const res = await getJson(h, '/.well-known/oauth-protected-resource/.well-known/mercure');
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/json/);
    // "the array contains https://mercure.rocks/authorization-detail"; "the [RFC 6750] token
    // presentation methods the hub actually accepts: header"; "mercure_cookie (optional): a string,
    // the name of the cookie"; "This protocol carries no version identifier".
    expect(res.body).toEqual({
      resource: RESOURCE,
      bearer_methods_supported: ['header'],
      authorization_details_types_supported: ['https://mercure.rocks/authorization-detail'],
      mercure_cookie: '__Secure-mercure_access_token',
    });
    // The derived URL (RFC 9728 §3.1) is the one the 401 challenges point at.
    expect(METADATA_URL).toBe('https://hub.test/.well-known/oauth-protected-resource/.well-known/mercure');
  });

  it('protected resource metadata: "authorization_servers" when configured, "mercure_subscriptions" with the subscriptions API', async () => {
    const h = await start({ authorizationServers: ['https://as.example'], subscriptionsApi: true });
    const res = await getJson(h, '/.well-known/oauth-protected-resource/.well-known/mercure');
    expect(res.body).toMatchObject({
      resource: RESOURCE,
      authorization_servers: ['https://as.example'],
      mercure_subscriptions: true,
    });
  });

  it('protected resource metadata is not published without a resource identifier (0.x tokens only: "Hubs implementing pre-standardization revisions … do not publish protected resource metadata")', async () => {
    const h = await start({ jwt: { key: { type: 'hmac', secret: SECRET } } });
    const res = await getJson(h, '/.well-known/oauth-protected-resource/.well-known/mercure');
    expect(res.status).toBe(404);
  });

  it('"Implementations supporting that [cookie] mechanism MUST mitigate [CSRF]": a cookie-authenticated publish from a foreign Origin is refused', async () => {
    const h = await start({ corsOrigins: ['https://app.example'] });
    const send = (origin: string | undefined) =>
      fetch(`${h.url}/.well-known/mercure`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(origin === undefined ? {} : { origin }),
          cookie: `mercureAccessToken=${'TOKEN'}`,
        },
        body: 'topic=x',
      });
    expect((await send('https://evil.example')).status).toBe(403);
    // "If neither header is available, the hub SHOULD reject the request."
    expect((await send(undefined)).status).toBe(403);
  });
});

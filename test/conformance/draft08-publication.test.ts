/**
 * Publication and reconnection rules of the current Mercure text (2026-08-17), each test quoting
 * the sentence it checks: every topic value checked (`*`, the reserved namespace after
 * normalisation, control and format characters), 413 for too many topics, canonical and alternate
 * topics, reused ids and the earliest-update rule, publish retries, and the `Mercure-Last-Event-ID`
 * response field. Rules that the text states for every publication apply to 0.x publishers too;
 * the tests marked so check it. Absence is proven by fences, never by waiting.
 */
import { describe, expect, it } from 'vitest';
import { utf8ByteString, utf8FromByteString } from '../../src/client/byte-string.js';
import {
  accessToken,
  bearer,
  conformanceFixture,
  dataBeforeFence,
  dataReceived,
  fence,
  HUB_PATH,
  legacyToken,
  type OpenStream,
  publishAs,
  type TestHub,
  waitForSubscribers,
} from './support.js';

const { start, stream } = conformanceFixture();

const q = (value: string) => encodeURIComponent(value);
const publisher = () => accessToken([{ actions: ['publish'], topics: ['*'] }]);
const legacyPublisher = () => legacyToken({ publish: ['*'] });
const FENCE_TOPIC = 'https://example.com/fence';

/** Publishes `fields`, then a fence: resolves the status and what `watcher` got of it. */
async function publishAndWatch(
  h: TestHub,
  token: string,
  fields: [string, string][],
  watcher: OpenStream,
): Promise<{ status: number; delivered: string[] }> {
  const { status } = await publishAs(h, token, fields);
  await fence(h, await publisher(), FENCE_TOPIC, [watcher]);
  return { status, delivered: dataBeforeFence(watcher) };
}

describe('draft-08 publication: every topic value', () => {
  it('"Every topic value MUST NOT be exactly *, which is reserved for the wildcard matcher … hubs MUST reject publish requests violating them, for any topic value, with a 400": canonical or alternate, nothing dispatched', async () => {
    const h = await start();
    const watcher = await stream(h, 'match=*');
    await waitForSubscribers(h.herald, 1);
    const token = await publisher();
    for (const topics of [['*'], ['https://example.com/a', '*']]) {
      const fields: [string, string][] = [
        ...topics.map((t): [string, string] => ['topic', t]),
        ['data', 'x'],
      ];
      const { status, delivered } = await publishAndWatch(h, token, fields, watcher);
      expect(status, topics.join(' ')).toBe(400);
      expect(delivered).toEqual([]);
    }
  });

  it('"Every topic value (canonical or alternate) MUST NOT address the reserved hub namespace … with a 400": an alternate topic in it refuses the whole update', async () => {
    const h = await start();
    const watcher = await stream(h, 'match=*');
    await waitForSubscribers(h.herald, 1);
    const { status, delivered } = await publishAndWatch(
      h,
      await publisher(),
      [
        ['topic', 'https://example.com/ok'],
        ['topic', 'https://hub.test/.well-known/mercure/subscriptions/x'],
        ['data', 'x'],
      ],
      watcher,
    );
    expect(status).toBe(400);
    expect(delivered).toEqual([]);
  });

  it('"the path MUST have its dot-segments removed and its percent-encoded octets that correspond to unreserved characters decoded … otherwise, variants such as /.well-known/%6Dercure/... would bypass the check"', async () => {
    const h = await start();
    const token = await publisher();
    for (const topic of [
      '/.well-known/%6Dercure/subscriptions/x',
      '/.well-known/%6dercure',
      'https://hub.test/%2Ewell-known/mercure/x',
      '/.well-known/m%65rcure/subscriptions/exact/a/b',
      '/.well-known/mercure/../mercure/x',
      '/.well-known/%2E%2E/.well-known/mercure/x',
      '/a/%2e%2e/.well-known/mercure',
      'https://other.example/x/../.well-known/%6D%65%72%63%75%72%65',
      // "each topic MUST be resolved against the hub's URL": these relative references land under it.
      'mercure/subscriptions/x',
      './mercure',
    ]) {
      expect((await publishAs(h, token, [['topic', topic]])).status, topic).toBe(400);
    }
    // Not unreserved characters, or not the namespace: ordinary topics.
    for (const topic of [
      '/.well-known%2Fmercure/x',
      '/.well-known/%6Dercurex',
      '/.well-known/mercure%2Dx',
      'subscriptions/x',
      // Resolved against the hub's URL, this one is /.well-known/.well-known/mercure/x.
      '.well-known/mercure/x',
      'urn:x:/.well-known/mercure',
    ]) {
      expect((await publishAs(h, token, [['topic', topic]])).status, topic).toBe(200);
    }
  });

  it('"Because both rules reject the request regardless of the presented access token": 400, not 403, for a token that does not grant the topic', async () => {
    const h = await start();
    const narrow = await accessToken([{ actions: ['publish'], topics: ['https://example.com/a'] }]);
    for (const topic of ['*', '/.well-known/mercure/subscriptions/x']) {
      const res = await publishAs(h, narrow, [['topic', topic]]);
      expect(res.status, topic).toBe(400);
      expect(res.response.headers.get('www-authenticate')).toBeNull();
    }
  });

  it('the * and reserved-namespace rules apply to 0.x publishers too (Herald: publishers of both versions share the endpoint)', async () => {
    const h = await start();
    const token = await legacyPublisher();
    for (const topic of ['*', '/.well-known/%6Dercure/subscriptions/x', '/.well-known/mercure/../mercure']) {
      expect((await publishAs(h, token, [['topic', topic]])).status, topic).toBe(400);
    }
  });
});

describe('draft-08 publication: control and format characters', () => {
  // Topics: "MUST NOT contain C0 … or C1 … control characters, U+007F (DEL), or Unicode format
  // characters (general category Cf …)"; `id` and `type`: the same, "hubs MUST reject violating
  // values with a 400".
  it.each([
    ['type', 'a\u200Eb', 'U+200E LEFT-TO-RIGHT MARK'],
    ['type', 'a\u00ADb', 'U+00AD SOFT HYPHEN'],
    ['type', 'a\u0085b', 'U+0085 (C1)'],
    ['id', 'urn:x:a\u200Bb', 'U+200B ZERO WIDTH SPACE'],
    ['id', 'urn:x:\uFEFF', 'U+FEFF'],
    ['topic', 'https://example.com/\u202Ex', 'U+202E RIGHT-TO-LEFT OVERRIDE'],
    ['topic', 'https://example.com/a\u2066b', 'U+2066 LEFT-TO-RIGHT ISOLATE'],
    ['topic', 'https://example.com/\u{E0001}', 'U+E0001 LANGUAGE TAG'],
  ])('a %s containing %j (%s) is refused with 400 and not dispatched', async (field, value) => {
    const h = await start();
    const watcher = await stream(h, 'match=*');
    await waitForSubscribers(h.herald, 1);
    const fields: [string, string][] =
      field === 'topic'
        ? [
            ['topic', value],
            ['data', 'x'],
          ]
        : [
            ['topic', 'https://example.com/a'],
            [field, value],
            ['data', 'x'],
          ];
    const { status, delivered } = await publishAndWatch(h, await publisher(), fields, watcher);
    expect(status).toBe(400);
    expect(delivered).toEqual([]);
  });

  it('other non-ASCII text is allowed in topics, ids and types', async () => {
    const h = await start();
    const res = await publishAs(h, await publisher(), [
      ['topic', 'https://example.com/livres/été/日本'],
      ['id', 'urn:x:été-中文'],
      ['type', 'mise-à-jour'],
    ]);
    expect(res.status).toBe(200);
    expect(res.id).toBe('urn:x:été-中文');
  });
});

describe('draft-08 publication: limits and success', () => {
  it('"Hubs SHOULD apply implementation-defined maximums … to the number of topic fields per request. Requests exceeding any such limit MUST be rejected with a 413": 33 topics, nothing dispatched; 32 are fine', async () => {
    const h = await start();
    const watcher = await stream(h, 'match=*');
    await waitForSubscribers(h.herald, 1);
    const topics = (count: number) =>
      Array.from({ length: count }, (_, i): [string, string] => ['topic', `https://example.com/t/${i}`]);
    const tooMany = await publishAndWatch(h, await publisher(), [...topics(33), ['data', 'many']], watcher);
    expect(tooMany.status).toBe(413);
    expect(tooMany.delivered).toEqual([]);
    expect((await publishAs(h, await publisher(), topics(32))).status).toBe(200);
  });

  it('"On success, the hub MUST return a 200 (OK) HTTP status code, and the response body MUST be the id … (Content-Type: text/plain; charset=utf-8)"', async () => {
    const h = await start();
    const res = await publishAs(h, await publisher(), [['topic', 'https://example.com/a']]);
    expect(res.status).toBe(200);
    expect(res.response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.id).toMatch(/^urn:uuid:/);
  });
});

describe('draft-08 publication: canonical and alternate topics', () => {
  it('"An update is dispatched to subscribers matching either the canonical topic or an alternate topic": each subscriber gets it once, one matching both too', async () => {
    const h = await start();
    const canonical = await stream(h, `match=${q('https://example.com/books/1')}&match=${q(FENCE_TOPIC)}`);
    const alternate = await stream(h, `match=${q('https://example.com/alt/1')}&match=${q(FENCE_TOPIC)}`);
    const both = await stream(
      h,
      `match=${q('https://example.com/books/1')}&match=${q('https://example.com/alt/1')}&match=${q(FENCE_TOPIC)}`,
    );
    await waitForSubscribers(h.herald, 3);
    const res = await publishAs(h, await publisher(), [
      ['topic', 'https://example.com/books/1'],
      ['topic', 'https://example.com/alt/1'],
      ['data', 'both'],
    ]);
    expect(res.status).toBe(200);
    await fence(h, await publisher(), FENCE_TOPIC, [canonical, alternate, both]);
    for (const s of [canonical, alternate, both]) expect(dataBeforeFence(s)).toEqual(['both']);
  });

  it('"If the token is not authorized for every topic of the update, the hub MUST NOT dispatch the update — even if some of its topics are allowed — and MUST return a 403 status code with error=\\"insufficient_scope\\""', async () => {
    const h = await start();
    const watcher = await stream(h, 'match=*');
    await waitForSubscribers(h.herald, 1);
    const token = await accessToken([{ actions: ['publish'], topics: ['https://example.com/a'] }]);
    const denied = await publishAs(h, token, [
      ['topic', 'https://example.com/a'],
      ['topic', 'https://example.com/b'],
      ['data', 'must not arrive'],
    ]);
    expect(denied.status).toBe(403);
    expect(denied.response.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    const allowed = await publishAs(h, token, [
      ['topic', 'https://example.com/a'],
      ['data', 'allowed'],
    ]);
    expect(allowed.status).toBe(200);
    await fence(h, await publisher(), FENCE_TOPIC, [watcher]);
    expect(dataBeforeFence(watcher)).toEqual(['allowed']);
  });

  // §Subscribers, the spec's worked example. (The rule that follows it, "A publisher MUST NOT attach
  // to a private update an alternate topic matchable by an audience broader than the audience
  // intended", binds publishers: the hub "does not know which topics a publisher intended as
  // narrowing versus broadening", so there is nothing for it to check.)
  it('"The token does grant subscribe on the alternate topic, so the hub delivers the update": private updates reach a subscriber granted any one of their topics, live and replayed', async () => {
    const h = await start();
    const token = await accessToken([
      {
        actions: ['subscribe'],
        topics: [{ match: 'https://example.com/users/42/*', match_type: 'urlpattern' }],
      },
    ]);
    const routing = `match_urlpattern=${q('https://example.com/books/:id')}`;
    const live = await stream(h, routing, bearer(token));
    const updates = [
      {
        topic: ['https://example.com/books/1', 'https://example.com/users/42/books/1'],
        data: 'for user 42',
        private: 'on',
      },
      { topic: 'https://example.com/books/2', data: 'for nobody here', private: 'on' },
    ];
    const received = await dataReceived(
      h,
      live,
      await publisher(),
      updates,
      'https://example.com/books/fence',
    );
    expect(received).toEqual(['for user 42']);
    const replayed = await stream(h, `${routing}&last_event_id=earliest`, bearer(token));
    const history = await replayed.waitFor(2);
    expect(history.map((e) => e.data)).toEqual(['for user 42', 'fence']);
  });
});

describe('draft-08 reconciliation: reused ids', () => {
  /** Publishes `dup`, `x`, then `dup` again with other data; resolves the three answers. */
  async function reuse(h: TestHub): Promise<string[]> {
    const token = await publisher();
    const bodies: string[] = [];
    for (const [id, data] of [
      ['dup', 'one'],
      ['x', 'two'],
      ['dup', 'three'],
    ] as const) {
      const res = await publishAs(h, token, [
        ['topic', 'https://example.com/a'],
        ['id', id],
        ['data', data],
      ]);
      expect(res.status, `${id} ${data}`).toBe(200);
      bodies.push(res.id);
    }
    return bodies;
  }

  it('"A client-supplied ID SHOULD be unique" (not MUST): a reused id is published, answered 200 with that id', async () => {
    const h = await start();
    expect(await reuse(h)).toEqual(['dup', 'x', 'dup']);
  });

  it('"a Last-Event-ID bearing that value MUST resolve to the earliest such update … The hub MUST then send all updates published after that one, including any later update carrying the same, reused ID"', async () => {
    const h = await start();
    await reuse(h);
    for (const [query, headers] of [
      ['match=*', { 'last-event-id': 'dup' }],
      ['match=*&last_event_id=dup', {}],
    ] as const) {
      const s = await stream(h, query, headers);
      expect(s.response.headers.get('mercure-last-event-id'), query).toBe('dup');
      const events = await s.waitFor(2);
      expect(events.map((e) => [e.id, e.data])).toEqual([
        ['x', 'two'],
        ['dup', 'three'],
      ]);
    }
  });

  it('a 0.x subscriber resuming from a reused id gets the same resolution, with its Last-Event-ID answer', async () => {
    const h = await start();
    await reuse(h);
    const s = await stream(h, 'topic=*&lastEventID=dup');
    expect(s.response.headers.get('last-event-id')).toBe('dup');
    expect((await s.waitFor(2)).map((e) => e.data)).toEqual(['two', 'three']);
  });
});

describe('publish retries (a publisher whose acknowledgement was lost sends again)', () => {
  const update: [string, string][] = [
    ['topic', 'https://example.com/a'],
    ['topic', 'https://example.com/alt'],
    ['id', 'urn:retry:1'],
    ['type', 'changed'],
    ['retry', '1000'],
    ['data', 'payload'],
    ['private', 'on'],
  ];

  it('the same id with the same topics, data, type, retry and privacy is answered 200 with the id, stored and delivered once', async () => {
    const h = await start();
    const watcher = await stream(
      h,
      'match=*',
      bearer(await accessToken([{ actions: ['subscribe'], topics: ['*'] }])),
    );
    await waitForSubscribers(h.herald, 1);
    const token = await publisher();
    const first = await publishAs(h, token, update);
    const retry = await publishAs(h, token, update);
    expect([first.status, first.id, retry.status, retry.id]).toEqual([
      200,
      'urn:retry:1',
      200,
      'urn:retry:1',
    ]);
    await fence(h, token, FENCE_TOPIC, [watcher]);
    expect(dataBeforeFence(watcher)).toEqual(['payload']);
    const replay = await stream(
      h,
      'match=*&last_event_id=earliest',
      bearer(await accessToken([{ actions: ['subscribe'], topics: ['*'] }])),
    );
    expect((await replay.waitFor(2)).map((e) => e.data)).toEqual(['payload', 'fence']);
  });

  it('a 0.x publisher retrying is recognised the same way', async () => {
    const h = await start();
    const token = await legacyPublisher();
    const fields: [string, string][] = [
      ['topic', 'https://example.com/a'],
      ['id', 'urn:retry:0x'],
      ['data', 'once'],
    ];
    for (let attempt = 0; attempt < 3; attempt++)
      expect((await publishAs(h, token, fields)).id).toBe('urn:retry:0x');
    const replay = await stream(h, 'topic=*&lastEventID=earliest');
    await fence(h, await publisher(), FENCE_TOPIC, [replay]);
    expect(dataBeforeFence(replay)).toEqual(['once']);
  });

  it('the same id with a different field (here only the private flag) is a reused id: a second update', async () => {
    const h = await start();
    const token = await publisher();
    await publishAs(h, token, update);
    const publicAgain = update.filter(([name]) => name !== 'private');
    expect((await publishAs(h, token, publicAgain)).status).toBe(200);
    const anonymous = await stream(h, 'match=*&last_event_id=earliest');
    await fence(h, token, FENCE_TOPIC, [anonymous]);
    expect(dataBeforeFence(anonymous)).toEqual(['payload']);
  });

  it('a retry without an id cannot be recognised (each attempt gets a new id): publishers that retry should send one', async () => {
    const h = await start();
    const token = await publisher();
    const fields: [string, string][] = [
      ['topic', 'https://example.com/a'],
      ['data', 'no id'],
    ];
    const ids = [(await publishAs(h, token, fields)).id, (await publishAs(h, token, fields)).id];
    expect(ids[0]).not.toBe(ids[1]);
    const replay = await stream(h, 'match=*&last_event_id=earliest');
    await fence(h, token, FENCE_TOPIC, [replay]);
    expect(dataBeforeFence(replay)).toEqual(['no id', 'no id']);
  });
});

describe('draft-08 reconciliation: the Mercure-Last-Event-ID response field', () => {
  async function history(h: TestHub): Promise<string[]> {
    const token = await publisher();
    const ids: string[] = [];
    for (const data of ['e1', 'e2', 'e3']) {
      ids.push(
        (
          await publishAs(h, token, [
            ['topic', 'https://example.com/a'],
            ['data', data],
          ])
        ).id,
      );
    }
    return ids;
  }

  it('"When the request contains a Last-Event-ID HTTP header or a last_event_id query parameter, the hub MUST set a Mercure-Last-Event-ID field", and not Last-Event-ID ("whose registration defines request semantics only")', async () => {
    const h = await start();
    const [first] = await history(h);
    const byHeader = await stream(h, 'match=*', { 'last-event-id': first! });
    const byQuery = await stream(h, `match=*&last_event_id=${q(first!)}`);
    for (const s of [byHeader, byQuery]) {
      expect(s.response.headers.get('mercure-last-event-id')).toBe(first);
      expect(s.response.headers.get('last-event-id')).toBeNull();
    }
    const liveOnly = await stream(h, 'match=*');
    expect(liveOnly.response.headers.get('mercure-last-event-id')).toBeNull();
  });

  it('0.x requests keep their Last-Event-ID response header and get no Mercure-Last-Event-ID', async () => {
    const h = await start();
    const [first] = await history(h);
    const s = await stream(h, `topic=*&lastEventID=${q(first!)}`);
    expect(s.response.headers.get('last-event-id')).toBe(first);
    expect(s.response.headers.get('mercure-last-event-id')).toBeNull();
  });

  it('"If both the Last-Event-ID HTTP header and the last_event_id query parameter are present, the HTTP header MUST take precedence"; last_event_id is read before the 0.x lastEventID', async () => {
    const h = await start();
    const [first, second, third] = await history(h);
    const both = await stream(h, `match=*&lastEventID=${q(third!)}&last_event_id=${q(second!)}`);
    expect(both.response.headers.get('mercure-last-event-id')).toBe(second);
    expect((await both.waitFor(1)).map((e) => e.data)).toEqual(['e3']);
    const withHeader = await stream(h, `match=*&last_event_id=${q(second!)}`, { 'last-event-id': first! });
    expect(withHeader.response.headers.get('mercure-last-event-id')).toBe(first);
    expect((await withHeader.waitFor(2)).map((e) => e.data)).toEqual(['e2', 'e3']);
  });

  it('a long-poll answer to a draft-08 request with a cursor carries the field too (Herald extension transport)', async () => {
    const h = await start();
    const [first] = await history(h);
    const res = await fetch(`${h.url}${HUB_PATH}?match=*&transport=short-poll&last_event_id=${q(first!)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('mercure-last-event-id')).toBe(first);
    const body = (await res.json()) as { events: { data: string }[] };
    expect(body.events.map((e) => e.data)).toEqual(['e2', 'e3']);
  });

  it('an id outside Latin-1 round-trips: its UTF-8 bytes in the response field (no 500), and a Last-Event-ID header carrying them resumes after it', async () => {
    const h = await start();
    const token = await publisher();
    const id = 'urn:x:中文-🙂';
    const published = await publishAs(h, token, [
      ['topic', 'https://example.com/a'],
      ['id', id],
      ['data', 'first'],
    ]);
    expect(published.id).toBe(id);
    await publishAs(h, token, [
      ['topic', 'https://example.com/a'],
      ['data', 'after'],
    ]);
    const byQuery = await stream(h, `match=*&last_event_id=${q(id)}`);
    expect(byQuery.response.status).toBe(200);
    expect(utf8FromByteString(byQuery.response.headers.get('mercure-last-event-id') ?? '')).toBe(id);
    expect((await byQuery.waitFor(1)).map((e) => e.data)).toEqual(['after']);
    // As EventSource sends it: the id "encoded as UTF-8".
    const byHeader = await stream(h, 'match=*', { 'last-event-id': utf8ByteString(id) });
    expect(utf8FromByteString(byHeader.response.headers.get('mercure-last-event-id') ?? '')).toBe(id);
    expect((await byHeader.waitFor(1)).map((e) => e.data)).toEqual(['after']);
    const legacy = await stream(h, `topic=*&lastEventID=${q(id)}`);
    expect(utf8FromByteString(legacy.response.headers.get('last-event-id') ?? '')).toBe(id);
  });
});

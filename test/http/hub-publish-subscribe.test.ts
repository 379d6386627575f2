import { describe, expect, it } from 'vitest';
import {
  draftToken,
  hubPerTest,
  legacyToken,
  publish,
  STORE_KINDS,
  subscribe,
  waitForSubscribers,
} from './helpers.js';

describe.each(STORE_KINDS)('publish and subscribe (%s store)', (kind) => {
  const start = hubPerTest(kind);

  it('delivers a published 0.x update to a topic subscriber with id, type, retry and data', async () => {
    const hub = await start({ allowAnonymous: true });
    const stream = await subscribe(hub.url, 'topic=https://example.com/books/{id}');
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await waitForSubscribers(hub.herald, 1);
    const token = await legacyToken({ publish: ['*'] });
    const res = await publish(hub.url, token, [
      ['topic', 'https://example.com/books/1'],
      ['data', 'line1\nline2'],
      ['type', 'book'],
      ['retry', '1500'],
    ]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const id = await res.text();
    expect(id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const [event] = await stream.waitFor(1);
    expect(event).toEqual({ id, event: 'book', data: 'line1\nline2' });
    stream.close();
  });

  it('delivers to draft-08 match and match_urlpattern subscribers with a draft-08 token', async () => {
    const hub = await start();
    const subToken = await draftToken(['subscribe'], [{ match: '*' }]);
    const headers = { authorization: `Bearer ${subToken}` };
    const exact = await subscribe(hub.url, 'match=https://example.com/a', headers);
    const pattern = await subscribe(
      hub.url,
      `match_urlpattern=${encodeURIComponent('https://example.com/:x')}`,
      headers,
    );
    await waitForSubscribers(hub.herald, 2);
    const pubToken = await draftToken(
      ['publish'],
      [{ match: 'https://example.com/:x', match_type: 'urlpattern' }],
    );
    expect(
      (
        await publish(hub.url, pubToken, [
          ['topic', 'https://example.com/b'],
          ['data', 'b'],
        ])
      ).status,
    ).toBe(200);
    expect(
      (
        await publish(hub.url, pubToken, [
          ['topic', 'https://example.com/a'],
          ['data', 'a'],
        ])
      ).status,
    ).toBe(200);
    expect((await exact.waitFor(1)).map((e) => e.data)).toEqual(['a']);
    expect((await pattern.waitFor(2)).map((e) => e.data)).toEqual(['b', 'a']);
    exact.close();
    pattern.close();
  });

  it('sends private updates only to subscribers whose token grants the topic', async () => {
    const hub = await start({ allowAnonymous: true });
    const anonymous = await subscribe(hub.url, 'topic=*');
    const allowed = await subscribe(hub.url, 'topic=*', {
      authorization: `Bearer ${await legacyToken({ subscribe: ['https://example.com/secret'] })}`,
    });
    const other = await subscribe(hub.url, 'topic=*', {
      authorization: `Bearer ${await legacyToken({ subscribe: ['https://example.com/other'] })}`,
    });
    await waitForSubscribers(hub.herald, 3);
    const token = await legacyToken({ publish: ['*'] });
    await publish(hub.url, token, [
      ['topic', 'https://example.com/secret'],
      ['data', 'private'],
      ['private', 'on'],
    ]);
    await publish(hub.url, token, [
      ['topic', 'https://example.com/public'],
      ['data', 'public'],
    ]);
    expect((await allowed.waitFor(2)).map((e) => e.data)).toEqual(['private', 'public']);
    expect((await anonymous.waitFor(1)).map((e) => e.data)).toEqual(['public']);
    expect((await other.waitFor(1)).map((e) => e.data)).toEqual(['public']);
    expect(anonymous.events).toHaveLength(1);
    for (const s of [anonymous, allowed, other]) s.close();
  });

  it('replays exactly the events after Last-Event-ID, then live ones, with the 0.x response header', async () => {
    const hub = await start({ allowAnonymous: true });
    const token = await legacyToken({ publish: ['*'] });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await publish(hub.url, token, [
        ['topic', i % 2 ? 'https://x/odd' : 'https://x/even'],
        ['data', `${i}`],
      ]);
      ids.push(await res.text());
    }
    const stream = await subscribe(hub.url, 'topic=https://x/even', { 'last-event-id': ids[0]! });
    // The cursor the replay starts after (the requested id), not the newest id (docs/mercure-conformance.md).
    expect(stream.response.headers.get('last-event-id')).toBe(ids[0]);
    await waitForSubscribers(hub.herald, 1);
    await publish(hub.url, token, [
      ['topic', 'https://x/even'],
      ['data', '5'],
    ]);
    const received = await stream.waitFor(3);
    expect(received.map((e) => e.data)).toEqual(['2', '4', '5']);
    stream.close();
  });

  it('replays from earliest and answers draft-08 Mercure-Last-Event-ID with the requested id or earliest', async () => {
    const hub = await start({ allowAnonymous: true });
    const token = await legacyToken({ publish: ['*'] });
    const first = await (
      await publish(hub.url, token, [
        ['topic', 'https://x/a'],
        ['data', '0'],
      ])
    ).text();
    await publish(hub.url, token, [
      ['topic', 'https://x/a'],
      ['data', '1'],
    ]);
    const all = await subscribe(hub.url, 'match=https://x/a&lastEventID=earliest');
    expect((await all.waitFor(2)).map((e) => e.data)).toEqual(['0', '1']);
    expect(all.response.headers.get('mercure-last-event-id')).toBe('earliest');
    const after = await subscribe(hub.url, `match=https://x/a&last_event_id=${encodeURIComponent(first)}`);
    expect(after.response.headers.get('mercure-last-event-id')).toBe(first);
    expect((await after.waitFor(1)).map((e) => e.data)).toEqual(['1']);
    const unknown = await subscribe(hub.url, 'match=https://x/a&lastEventID=urn:uuid:unknown');
    expect(unknown.response.headers.get('mercure-last-event-id')).toBe('earliest');
    // draft-08 answers do not reuse Last-Event-ID, "whose registration defines request semantics only".
    for (const s of [all, after, unknown]) expect(s.response.headers.get('last-event-id')).toBeNull();
    for (const s of [all, after, unknown]) s.close();
  });

  it('publishes from code without HTTP', async () => {
    const hub = await start({ allowAnonymous: true });
    const stream = await subscribe(hub.url, 'topic=t');
    await waitForSubscribers(hub.herald, 1);
    const stored = await hub.herald.publish({ topics: ['t'], data: 'from code' });
    expect((await stream.waitFor(1))[0]).toMatchObject({ id: stored.id, data: 'from code' });
    stream.close();
  });
});

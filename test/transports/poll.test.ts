import { afterEach, describe, expect, it } from 'vitest';
import {
  legacyToken,
  publish,
  STORE_KINDS,
  startHub,
  type TestHub,
  waitForSubscribers,
} from '../http/helpers.js';

interface PollBody {
  events: { id: string; type?: string; data: string; topics: string[]; time: string; retry?: number }[];
  lastEventId: string;
  serverTime: string;
}

const RFC3339_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe.each(STORE_KINDS)('long-poll and short-poll (%s store)', (kind) => {
  let hub: TestHub;
  afterEach(async () => hub?.close());

  it('short-poll answers the events after the cursor as JSON, then an empty batch moving the cursor to the head', async () => {
    hub = await startHub(kind, { allowAnonymous: true });
    const token = await legacyToken({ publish: ['*'] });
    const first = await (
      await publish(hub.url, token, [
        ['topic', 'p'],
        ['data', '0'],
      ])
    ).text();
    await publish(hub.url, token, [
      ['topic', 'p'],
      ['data', '1'],
      ['type', 't'],
      ['retry', '5'],
    ]);
    const other = await (
      await publish(hub.url, token, [
        ['topic', 'other'],
        ['data', 'x'],
      ])
    ).text();
    const res = await fetch(
      `${hub.url}/.well-known/mercure?topic=p&transport=short-poll&lastEventID=${first}`,
    );
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as PollBody;
    expect(body.events.map((e) => e.data)).toEqual(['1']);
    expect(body.events[0]).toMatchObject({ type: 't', retry: 5, topics: ['p'] });
    expect(body.events[0]?.time).toMatch(RFC3339_MS);
    expect(body.serverTime).toMatch(RFC3339_MS);
    const again = (await (
      await fetch(
        `${hub.url}/.well-known/mercure?topic=p&transport=short-poll&lastEventID=${body.lastEventId}`,
      )
    ).json()) as PollBody;
    expect(again.events).toEqual([]);
    // Nothing matched after it: the next poll starts after the non-matching head instead.
    expect(again.lastEventId).toBe(other);
  });

  it('stops an answer once its events hold 1 Mi characters of data; the next poll resumes from its cursor', async () => {
    hub = await startHub(kind, { allowAnonymous: true });
    const token = await legacyToken({ publish: ['*'] });
    const sizes = [400_000, 400_000, 400_000, 10, 10];
    for (const [i, size] of sizes.entries()) {
      const published = await publish(hub.url, token, [
        ['topic', 'big'],
        ['data', String(i).repeat(size)],
      ]);
      expect(published.status).toBe(200);
    }
    const poll = async (cursor: string) =>
      (await (
        await fetch(`${hub.url}/.well-known/mercure?topic=big&transport=short-poll&lastEventID=${cursor}`)
      ).json()) as PollBody;
    const first = await poll('earliest');
    // 1.2 M characters reached at the third event: no fourth in this answer.
    expect(first.events.map((e) => e.data.length)).toEqual([400_000, 400_000, 400_000]);
    const rest = await poll(first.lastEventId);
    expect(rest.events.map((e) => e.data)).toEqual(['3'.repeat(10), '4'.repeat(10)]);
  });

  it('long-poll (Accept: application/json) waits for the next event and answers as soon as it arrives', async () => {
    hub = await startHub(kind, { allowAnonymous: true });
    const token = await legacyToken({ publish: ['*'] });
    const cursor = await (
      await publish(hub.url, token, [
        ['topic', 'p'],
        ['data', 'old'],
      ])
    ).text();
    const pending = fetch(`${hub.url}/.well-known/mercure?topic=p&lastEventID=${cursor}&timeoutMs=20000`, {
      headers: { accept: 'application/json' },
    });
    await waitForSubscribers(hub.herald, 1);
    const id = await (
      await publish(hub.url, token, [
        ['topic', 'p'],
        ['data', 'new'],
      ])
    ).text();
    const body = (await (await pending).json()) as PollBody;
    expect(body.events.map((e) => e.data)).toEqual(['new']);
    expect(body.lastEventId).toBe(id);
    expect(hub.herald.hub.subscribers.size).toBe(0);
  });

  it('long-poll answers an empty batch with the request cursor after its timeout', async () => {
    hub = await startHub(kind, { allowAnonymous: true });
    const res = await fetch(
      `${hub.url}/.well-known/mercure?topic=p&transport=long-poll&lastEventID=earliest&timeoutMs=50`,
    );
    const body = (await res.json()) as PollBody;
    expect(body.events).toEqual([]);
    expect(body.lastEventId).toBe('earliest');
  });

  it('a poll from earliest with no matching event returns the head as the cursor, so the next poll skips that history', async () => {
    hub = await startHub(kind, { allowAnonymous: true });
    const token = await legacyToken({ publish: ['*'] });
    let head = '';
    for (let i = 0; i < 3; i++) {
      head = await (
        await publish(hub.url, token, [
          ['topic', 'elsewhere'],
          ['data', `${i}`],
        ])
      ).text();
    }
    const poll = async (cursor: string, transport = 'short-poll') =>
      (await (
        await fetch(
          `${hub.url}/.well-known/mercure?topic=q&transport=${transport}&lastEventID=${cursor}&timeoutMs=30`,
        )
      ).json()) as PollBody;
    const first = await poll('earliest');
    expect(first).toMatchObject({ events: [], lastEventId: head });
    const longPoll = await poll('earliest', 'long-poll');
    expect(longPoll).toMatchObject({ events: [], lastEventId: head });
    const id = await (
      await publish(hub.url, token, [
        ['topic', 'q'],
        ['data', 'match'],
      ])
    ).text();
    const second = await poll(first.lastEventId);
    expect(second.events.map((e) => e.data)).toEqual(['match']);
    expect(second.lastEventId).toBe(id);
  });

  it('a private head moves an anonymous poller past it without showing it; an authorized poller still gets it', async () => {
    hub = await startHub(kind, { allowAnonymous: true });
    const token = await legacyToken({ publish: ['*'] });
    const privateId = await (
      await publish(hub.url, token, [
        ['topic', 'q'],
        ['data', 'secret'],
        ['private', 'on'],
      ])
    ).text();
    const url = (cursor: string) =>
      `${hub.url}/.well-known/mercure?topic=q&transport=short-poll&lastEventID=${cursor}`;
    const anonymous = (await (await fetch(url('earliest'))).json()) as PollBody;
    expect(anonymous).toMatchObject({ events: [], lastEventId: privateId });
    const subscriber = await legacyToken({ subscribe: ['q'] });
    const authorized = (await (
      await fetch(url('earliest'), { headers: { authorization: `Bearer ${subscriber}` } })
    ).json()) as PollBody;
    expect(authorized.events.map((e) => e.data)).toEqual(['secret']);
    const publicId = await (
      await publish(hub.url, token, [
        ['topic', 'q'],
        ['data', 'public'],
      ])
    ).text();
    const next = (await (await fetch(url(anonymous.lastEventId))).json()) as PollBody;
    expect(next.events.map((e) => e.data)).toEqual(['public']);
    expect(next.lastEventId).toBe(publicId);
  });
});

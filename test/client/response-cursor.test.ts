import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { EventSource, SharedEventSource } from '../../src/client/index.js';
import { FakeLocks } from './fake-locks.js';
import {
  lastEventIdBytes,
  ManualTimers,
  nextEvent,
  startServer,
  type TestServer,
  waitFor,
} from './support.js';

let server: TestServer | undefined;
afterEach(() => server?.close());

const lastEventIdOf = (request: IncomingMessage) => {
  const value = request.headers['last-event-id'];
  return typeof value === 'string' ? value : undefined;
};

/** A hub that answers each subscription with `Last-Event-ID: <header>`, sends `body`, then ends. */
async function cursorHub(header: string, body: string): Promise<Array<string | undefined>> {
  const requests: Array<string | undefined> = [];
  server = await startServer((request, response) => {
    requests.push(lastEventIdOf(request));
    response.writeHead(200, { 'content-type': 'text/event-stream', 'last-event-id': header });
    response.end(body);
  });
  return requests;
}

describe('adopting the Last-Event-ID response header (Herald extension)', () => {
  it.each([
    {
      behaviour: 'a stream dropped before any event resumes after the header id',
      header: 'urn:uuid:head-5',
      options: {},
      body: ':\n\n',
      sent: [undefined, 'urn:uuid:head-5'],
    },
    {
      behaviour: '`earliest` (draft-08) names no event and is not adopted',
      header: 'earliest',
      options: {},
      body: ':\n\n',
      sent: [undefined, undefined],
    },
    {
      behaviour: 'an id the client already has wins over the header',
      header: 'urn:uuid:head-5',
      options: { lastEventId: 'mine' },
      body: ':\n\n',
      sent: ['mine', 'mine'],
    },
    {
      behaviour: 'adoptResponseCursor: false keeps the WHATWG behaviour',
      header: 'urn:uuid:head-5',
      options: { adoptResponseCursor: false },
      body: ':\n\n',
      sent: [undefined, undefined],
    },
    {
      behaviour: 'a cursor in the URL wins: a 0.x head id must not skip the replay that follows',
      header: 'urn:uuid:head-5',
      options: {},
      query: '?topic=t&lastEventID=urn:uuid:2',
      body: ':\n\n',
      sent: [undefined, undefined],
    },
    {
      behaviour: "an event's own id replaces the adopted one",
      header: 'urn:uuid:head-5',
      options: {},
      body: 'id: urn:uuid:6\ndata: x\n\n',
      sent: [undefined, 'urn:uuid:6'],
    },
  ])('$behaviour', async ({ header, options, query, body, sent }) => {
    const requests = await cursorHub(header, body);
    const timers = new ManualTimers();
    const url = `${server!.url}/${query ?? ''}`;
    const source = new EventSource(url, { ...options, timers, random: () => 0 });
    await nextEvent(source, 'error');
    timers.fire(3000);
    await nextEvent(source, 'error');
    source.close();
    expect(requests).toEqual(sent);
  });

  it('an event without an id carries the adopted id, and onCursor reports it', async () => {
    await cursorHub('urn:uuid:head-5', 'data: x\n\n');
    const cursors: string[] = [];
    const source = new EventSource(`${server!.url}/`, {
      timers: new ManualTimers(),
      onCursor: (id) => cursors.push(id),
    });
    const message = await nextEvent<MessageEvent>(source, 'message');
    source.close();
    expect(message.lastEventId).toBe('urn:uuid:head-5');
    expect(source.lastEventId).toBe('urn:uuid:head-5');
    expect(cursors).toEqual(['urn:uuid:head-5']);
  });
});

describe('adopting the draft-08 Mercure-Last-Event-ID response field', () => {
  /** A hub answering each subscription with `headers`, an empty stream, then the end. */
  async function hubAnswering(headers: Record<string, string>): Promise<Array<string | undefined>> {
    const requests: Array<string | undefined> = [];
    server = await startServer((request, response) => {
      requests.push(lastEventIdBytes(request.headers['last-event-id']));
      response.writeHead(200, { 'content-type': 'text/event-stream', ...headers });
      response.end(':\n\n');
    });
    return requests;
  }

  /** Connects, loses the stream, reconnects once; resolves the Last-Event-ID of both requests. */
  async function reconnectOnce(requests: Array<string | undefined>): Promise<Array<string | undefined>> {
    const timers = new ManualTimers();
    const source = new EventSource(`${server!.url}/?match=*`, { timers, random: () => 0 });
    await nextEvent(source, 'error');
    timers.fire(3000);
    await nextEvent(source, 'error');
    source.close();
    return requests;
  }

  it.each<{ behaviour: string; headers: Record<string, string>; sent: Array<string | undefined> }>([
    {
      behaviour: 'a stream dropped before any event resumes after the Mercure-Last-Event-ID id',
      headers: { 'mercure-last-event-id': 'urn:uuid:head-5' },
      sent: [undefined, 'urn:uuid:head-5'],
    },
    {
      behaviour: 'Mercure-Last-Event-ID wins over a Last-Event-ID in the same answer',
      headers: { 'mercure-last-event-id': 'urn:uuid:head-5', 'last-event-id': 'urn:uuid:other' },
      sent: [undefined, 'urn:uuid:head-5'],
    },
    {
      behaviour: '`earliest` names no event and is not adopted',
      headers: { 'mercure-last-event-id': 'earliest' },
      sent: [undefined, undefined],
    },
  ])('$behaviour', async ({ headers, sent }) => {
    expect(await reconnectOnce(await hubAnswering(headers))).toEqual(sent);
  });

  it('an id outside Latin-1 arrives as its UTF-8 bytes and is sent back as them', async () => {
    const id = 'urn:x:中文-🙂';
    const requests = await hubAnswering({
      'mercure-last-event-id': Buffer.from(id, 'utf8').toString('latin1'),
    });
    expect(await reconnectOnce(requests)).toEqual([undefined, id]);
  });
});

describe('SharedEventSource and the response cursor', () => {
  it('a new leader resumes from the cursor the old one adopted before any event', async () => {
    const requests: Array<string | undefined> = [];
    server = await startServer((request, response) => {
      requests.push(lastEventIdOf(request));
      // The first subscription learns the hub's position and then hears nothing.
      const head = requests.length === 1 ? { 'last-event-id': 'urn:uuid:head-7' } : {};
      response.writeHead(200, { 'content-type': 'text/event-stream', ...head });
      response.write(':\n\n');
    });
    const locks = new FakeLocks();
    const open = (name: string) => new SharedEventSource(`${server!.url}/`, { locks, name });
    const [leader, follower] = [open('cursor-1'), open('cursor-1')];
    try {
      await waitFor(() => follower.readyState === EventSource.OPEN, 'the follower to mirror the open');
      await waitFor(() => follower.lastEventId !== '', 'the cursor broadcast');
      expect(follower.lastEventId).toBe('urn:uuid:head-7');
      // A tab opened later learns the cursor from the leader's answer to its hello.
      const late = open('cursor-1');
      await waitFor(() => late.lastEventId !== '', 'the late tab to learn the cursor');
      expect(late.lastEventId).toBe('urn:uuid:head-7');
      late.close();

      leader.close();
      await waitFor(() => requests.length === 2, 'the follower to take over');
      expect(follower.isLeader).toBe(true);
      expect(requests).toEqual([undefined, 'urn:uuid:head-7']);
    } finally {
      leader.close();
      follower.close();
    }
  });
});

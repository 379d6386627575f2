import { describe, expect, it } from 'vitest';
import {
  type ConnectionErrorEvent,
  EventSource,
  type PolledEvent,
  type PollResponse,
} from '../../src/client/index.js';
import { ManualTimers, nextEvent } from './support.js';

// `unknown`: some answers here are malformed on purpose.
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
/** A well-formed poll answer, in the client's own type of the hub's contract. */
const batch = (events: PolledEvent[], lastEventId: string): PollResponse => ({
  events,
  lastEventId,
  serverTime: new Date().toISOString(),
});

/** A fetch double answering each call with the next item (a Response, or an Error to reject with). */
function scriptedFetch(answers: Array<Response | Error>, seen: Request[]): typeof fetch {
  return async (input, init) => {
    seen.push(new Request(input, init));
    const answer = answers.shift();
    if (answer === undefined) return new Promise<Response>(() => {}); // hold the last poll
    if (answer instanceof Error) throw answer;
    return answer;
  };
}

describe('polling requests and failures', () => {
  it('asks for the transport, hold time and cursor; `retry` sets the reconnection time', async () => {
    const seen: Request[] = [];
    const timers = new ManualTimers();
    const source = new EventSource('http://hub.test/.well-known/mercure?topic=a', {
      transport: 'long-poll',
      longPollTimeoutMs: 20_000,
      lastEventId: 'c0',
      timers,
      random: () => 0,
      fetch: scriptedFetch(
        [
          json(
            batch(
              [{ id: 'c1', data: 'x', topics: ['a'], time: '2030-01-01T00:00:00.000Z', retry: 700 }],
              'c1',
            ),
          ),
          new TypeError('network down'),
        ],
        seen,
      ),
    });
    const error = await nextEvent<ConnectionErrorEvent>(source, 'error');
    expect(error.code).toBe('NETWORK');
    expect(source.readyState).toBe(EventSource.CONNECTING);
    expect(timers.delays()).toEqual([700]);
    source.close();
    const url = new URL(seen[0]!.url);
    expect(url.searchParams.get('transport')).toBe('long-poll');
    expect(url.searchParams.get('timeoutMs')).toBe('20000');
    expect(url.searchParams.get('topic')).toBe('a');
    expect(seen.map((request) => request.headers.get('last-event-id'))).toEqual(['c0', 'c1']);
    expect(seen[0]!.headers.get('accept')).toBe('application/json');
  });

  it.each([
    { answer: () => json({ error: 'no' }, 500), code: 'HTTP_STATUS' },
    { answer: () => json({ error: 'forbidden' }, 403), code: 'HTTP_STATUS' },
    { answer: () => json({ error: 'gone' }, 404), code: 'HTTP_STATUS' },
    {
      answer: () => new Response('data: x\n\n', { headers: { 'content-type': 'text/event-stream' } }),
      code: 'CONTENT_TYPE',
    },
    { answer: () => json({ events: 'nope', lastEventId: 'x' }), code: 'POLL_BODY' },
    {
      answer: () => new Response('{', { headers: { 'content-type': 'application/json' } }),
      code: 'POLL_BODY',
    },
  ])('fails the connection without retrying on $code', async ({ answer, code }) => {
    const timers = new ManualTimers();
    const source = new EventSource('http://hub.test/', {
      transport: 'short-poll',
      timers,
      fetch: scriptedFetch([answer()], []),
    });
    const error = await nextEvent<ConnectionErrorEvent>(source, 'error');
    expect(error.code).toBe(code);
    expect(source.readyState).toBe(EventSource.CLOSED);
    expect(timers.pending).toEqual([]);
  });

  it('short-poll waits the interval between polls and keeps the cursor of an empty batch', async () => {
    const seen: Request[] = [];
    const cursors: string[] = [];
    const timers = new ManualTimers();
    const source = new EventSource('http://hub.test/', {
      transport: 'short-poll',
      shortPollIntervalMs: 1500,
      onCursor: (id) => cursors.push(id),
      timers,
      fetch: scriptedFetch([json(batch([], 'c9'))], seen),
    });
    await nextEvent(source, 'open');
    await Promise.resolve();
    expect(timers.delays()).toEqual([1500]);
    timers.fire(1500);
    source.close();
    expect(seen.map((request) => request.headers.get('last-event-id'))).toEqual([null, 'c9']);
    // A cursor without an event is reported (SharedEventSource broadcasts it to the other tabs).
    expect(cursors).toEqual(['c9']);
    expect(new URL(seen[0]!.url).searchParams.get('timeoutMs')).toBeNull();
  });
});

describe('polling through temporary server trouble', () => {
  const backoff = { random: () => 0.5, backoffBaseMs: 1000, backoffCapMs: 30_000 };

  it.each([502, 503, 504])(
    'a %i reconnects after the reconnection time plus jitter, then opens again',
    async (status) => {
      const seen: Request[] = [];
      const timers = new ManualTimers();
      const source = new EventSource('http://hub.test/', {
        ...backoff,
        transport: 'long-poll',
        lastEventId: 'c3',
        timers,
        fetch: scriptedFetch([json({ error: 'busy' }, status), json(batch([], 'c4'))], seen),
      });
      const error = await nextEvent<ConnectionErrorEvent>(source, 'error');
      expect(error.code).toBe('HTTP_STATUS');
      expect(error.status).toBe(status);
      expect(error.willReconnect).toBe(true);
      expect(source.readyState).toBe(EventSource.CONNECTING);
      expect(timers.delays()).toEqual([3000 + 500]);
      timers.fire(3500);
      await nextEvent(source, 'open');
      source.close();
      // The retry kept the cursor; the next long poll follows at once with the new one.
      expect(seen.map((request) => request.headers.get('last-event-id'))).toEqual(['c3', 'c3', 'c4']);
    },
  );

  it('a 429 waits at least its Retry-After seconds, and the jitter still doubles per failure', async () => {
    const timers = new ManualTimers();
    const limited = (retryAfter: string) =>
      new Response('slow down', { status: 429, headers: { 'retry-after': retryAfter } });
    const source = new EventSource('http://hub.test/', {
      ...backoff,
      transport: 'short-poll',
      timers,
      fetch: scriptedFetch(
        [limited('10'), limited('1'), limited('Wed, 21 Oct 2015 07:28:00 GMT'), limited('99999999')],
        [],
      ),
    });
    const delays: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const error = await nextEvent<ConnectionErrorEvent>(source, 'error');
      expect([error.status, error.willReconnect]).toEqual([429, true]);
      const [delayMs] = timers.delays();
      delays.push(delayMs!);
      timers.fire(delayMs!);
    }
    source.close();
    // max(3000, Retry-After) + 0.5 * 1000 * 2^n; an HTTP-date is ignored; one hour at most.
    expect(delays).toEqual([10_500, 4000, 5000, 3_600_000 + 4000]);
  });

  it('the event stream keeps the WHATWG rule: a 503 fails the connection', async () => {
    const timers = new ManualTimers();
    const source = new EventSource('http://hub.test/', {
      timers,
      fetch: scriptedFetch([new Response('busy', { status: 503, headers: { 'retry-after': '1' } })], []),
    });
    const error = await nextEvent<ConnectionErrorEvent>(source, 'error');
    expect([error.code, error.status, error.willReconnect]).toEqual(['HTTP_STATUS', 503, false]);
    expect(source.readyState).toBe(EventSource.CLOSED);
    expect(timers.pending).toEqual([]);
  });
});

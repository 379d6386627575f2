/**
 * Guide 2, docs/learn/polling-long-polling-sse.md: the hand-written short and long pollers get
 * every event in order, and differ in what they cost when nothing happens. Real server on
 * loopback, port 0; every loop ends with an AbortSignal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type FeedEvent, longPoll, shortPoll, start } from '../../examples/learn/polling.js';

const controllers: AbortController[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const controller of controllers.splice(0)) controller.abort();
  for (const close of closers.splice(0)) await close();
});

/** A poller's events, and a promise for the moment it holds `count` of them. */
function collector() {
  const events: FeedEvent[] = [];
  const waiters: Array<{ count: number; done: () => void }> = [];
  const onEvent = (event: FeedEvent) => {
    events.push(event);
    for (const waiter of waiters) if (events.length >= waiter.count) waiter.done();
  };
  const holding = (count: number) =>
    new Promise<void>((done) => (events.length >= count ? done() : waiters.push({ count, done })));
  return { events, onEvent, holding };
}

async function until(isTrue: () => boolean): Promise<void> {
  while (!isTrue()) await new Promise((resolve) => setImmediate(resolve));
}

function run(poller: Promise<unknown>, controller: AbortController): void {
  // An aborted poller rejects with AbortError; anything else fails the test below.
  poller.catch((error: unknown) => {
    if (!controller.signal.aborted) throw error;
  });
}

describe('examples/learn/polling.ts', () => {
  it('answers a short poll at once and holds a long poll until there is news', async () => {
    const feed = await start(0);
    closers.push(feed.close);
    expect(await (await fetch(`${feed.url}/poll?after=0`)).json()).toEqual([]);
    const held = fetch(`${feed.url}/poll?after=0&waitMs=25000`).then((response) => response.json());
    await until(() => feed.requests.long === 1);
    feed.publish('first');
    expect(await held).toEqual([{ id: 1, data: 'first' }]);
  });

  it('delivers every event in order to both pollers; while idle only the short poller keeps asking', async () => {
    const feed = await start(0);
    closers.push(feed.close);
    const short = collector();
    const long = collector();
    const controller = new AbortController();
    controllers.push(controller);
    run(shortPoll(feed.url, 5, short.onEvent, controller.signal), controller);
    run(longPoll(feed.url, long.onEvent, controller.signal), controller);
    await until(() => feed.requests.long === 1 && feed.requests.short >= 1);

    for (let n = 1; n <= 5; n++) feed.publish(`event ${n}`);
    await Promise.all([short.holding(5), long.holding(5)]);
    const expected = [1, 2, 3, 4, 5].map((id) => ({ id, data: `event ${id}` }));
    expect(short.events).toEqual(expected);
    expect(long.events).toEqual(expected);

    // Idle: the fence is the short poller's own 20 further (empty) answers.
    await until(() => feed.requests.lastLongAfter === 5); // the long poller asked again, and waits
    const longBefore = feed.requests.long;
    const shortBefore = feed.requests.short;
    await until(() => feed.requests.short >= shortBefore + 20);
    expect(feed.requests.long).toBe(longBefore);

    feed.publish('event 6');
    await Promise.all([short.holding(6), long.holding(6)]);
    expect(long.events.at(-1)).toEqual({ id: 6, data: 'event 6' });
    expect(feed.requests.long).toBeLessThanOrEqual(longBefore + 1);
  });
});

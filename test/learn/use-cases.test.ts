/**
 * Guide 6, docs/learn/use-cases.md: the three use cases end to end, each app on port 0 with its
 * own client code. Absence is proven with a fence: events on one stream arrive in publish order,
 * so once a later event is in, an earlier one that did not come never will.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readRoom, start as startChat } from '../../examples/chat-reader.js';
import { listen, PUBLIC_TOPIC, start as startNotifications } from '../../examples/notifications.js';
import { type Price, start as startTicker, watchPrices } from '../../examples/stock-ticker.js';

vi.mock('herald/client', () => import('../../src/client/index.js'));
vi.mock('herald/hub', () => import('../../src/http/index.js'));

const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** Collects what arrives; `holding(n)` resolves once n items are in. */
function inbox<T>() {
  const items: T[] = [];
  const waiters: Array<{ count: number; done: () => void }> = [];
  const add = (item: T) => {
    items.push(item);
    for (const waiter of waiters) if (items.length >= waiter.count) waiter.done();
  };
  const holding = (count: number) =>
    new Promise<void>((done) => (items.length >= count ? done() : waiters.push({ count, done })));
  return { items, add, holding };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
}

describe('examples/notifications.ts', () => {
  it('delivers public notifications to all and a private one only to its user', async () => {
    const app = await startNotifications(0);
    stops.push(app.close);
    const token = async (user: string) => (await fetch(`${app.url}/token?user=${user}`)).text();
    const alice = inbox<string>();
    const bob = inbox<string>();
    stops.push(listen(app.url, 'alice', await token('alice'), alice.add));
    stops.push(listen(app.url, 'bob', await token('bob'), bob.add));

    // Open-stream fence: publish until both have the first public one (a stream opened late
    // misses live events; the test repeats the first notice until each has seen one).
    for (let n = 0; alice.items.length === 0 || bob.items.length === 0; n++) {
      expect((await post(`${app.url}/notify`, { message: `hello ${n}` })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(n).toBeLessThan(250);
    }
    const aliceBefore = alice.items.length;
    const bobBefore = bob.items.length;

    expect((await post(`${app.url}/notify`, { to: 'alice', message: 'your build is green' })).status).toBe(
      200,
    );
    expect((await post(`${app.url}/notify`, { message: 'deploy at 5' })).status).toBe(200);
    await Promise.all([alice.holding(aliceBefore + 2), bob.holding(bobBefore + 1)]);
    expect(alice.items.slice(aliceBefore)).toEqual(['your build is green', 'deploy at 5']);
    expect(bob.items.slice(bobBefore)).toEqual(['deploy at 5']); // the fence: no private one before it
  });

  it('lets a subscriber without a token read public notifications, and answers 400 to a bad body', async () => {
    const app = await startNotifications(0);
    stops.push(app.close);
    const anonymous = await fetch(`${app.url}/.well-known/mercure?topic=${encodeURIComponent(PUBLIC_TOPIC)}`);
    expect(anonymous.status).toBe(200);
    await anonymous.body?.cancel();
    expect((await post(`${app.url}/notify`, 'not an object')).status).toBe(400);
    expect((await post(`${app.url}/notify`, { message: 'hi', to: 7 })).status).toBe(400);
  });
});

describe('examples/stock-ticker.ts', () => {
  it('a late watcher starts from the snapshot and ends with exactly the prices the server has', async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const TICKS = 60;
    const app = await startTicker(0, 5, TICKS, random);
    stops.push(app.close);
    // Join mid-run: wait for a snapshot with some history behind it.
    while (
      ((await (await fetch(`${app.url}/prices`)).json()) as { lastEventId: string | null }).lastEventId ===
      null
    )
      await new Promise((resolve) => setTimeout(resolve, 5));
    const prices = new Map<string, number>();
    const changes = inbox<Price>();
    stops.push(await watchPrices(app.url, prices, changes.add));

    // Fence: the ticker has stopped (its snapshot no longer moves) and the watcher holds its last event.
    let final: { lastEventId: string; prices: Price[] };
    for (;;) {
      final = (await (await fetch(`${app.url}/prices`)).json()) as typeof final;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const again = (await (await fetch(`${app.url}/prices`)).json()) as typeof final;
      if (again.lastEventId === final.lastEventId) break;
    }
    expect(final.prices.map((price) => price.symbol)).toEqual(['HRLD', 'PUSH', 'POLL']);
    await new Promise<void>((done) => {
      const check = () =>
        final.prices.every((p) => prices.get(p.symbol) === p.cents) ? done() : setTimeout(check, 10);
      check();
    });
    expect(Object.fromEntries(prices)).toEqual(
      Object.fromEntries(final.prices.map((p) => [p.symbol, p.cents])),
    );
    expect(changes.items.length).toBeGreaterThan(0);
    expect(changes.items.length).toBeLessThanOrEqual(TICKS);
  });
});

describe('examples/chat-reader.ts', () => {
  it('gives a reader the history then live messages, in order, and refuses its posts to the hub', async () => {
    const app = await startChat(0);
    stops.push(app.close);
    const say = (text: string) => post(`${app.url}/rooms/lobby/messages`, { author: 'Alice', text });
    expect((await say('first')).status).toBe(200);
    expect((await say('second')).status).toBe(200);
    const token = await (await fetch(`${app.url}/token`)).text();
    const reader = inbox<{ author: string; text: string }>();
    stops.push(readRoom(app.url, 'lobby', token, reader.add));
    await reader.holding(2); // the history
    expect((await say('third')).status).toBe(200);
    await reader.holding(3); // live
    expect(reader.items.map((message) => message.text)).toEqual(['first', 'second', 'third']);
    expect(reader.items[0]).toEqual({ author: 'Alice', text: 'first' });

    // The reader's token may subscribe, not publish: the hub refuses it.
    const posted = await fetch(`${app.url}/.well-known/mercure`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: new URLSearchParams({ topic: 'https://example.com/chat/lobby', data: 'spam' }),
    });
    expect(posted.status).toBe(403);
    // Without a token there is no stream at all: the room is for members.
    const anonymous = await fetch(`${app.url}/.well-known/mercure?topic=https://example.com/chat/lobby`);
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();
  });
});

import { describe, expect, it } from 'vitest';
import type { Timers } from '../../src/clock/index.js';
import { DEMO_SYMBOLS, type DemoPrice, DemoTicker, demoStockTopic } from '../../src/demo/index.js';
import type { Hub } from '../../src/hub/index.js';

/** Timers that fire only when the test says so. */
function manualTimers() {
  const pending = new Map<number, () => void>();
  let next = 0;
  const delays: number[] = [];
  const timers: Timers = {
    setTimeout(callback, delayMs) {
      pending.set(++next, callback);
      delays.push(delayMs);
      return next;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
  };
  const fire = async () => {
    const entries = [...pending.entries()];
    pending.clear();
    for (const [, callback] of entries) callback();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { timers, fire, delays, pendingCount: () => pending.size };
}

function fakeHub(subscriberCount: number) {
  const published: { topics: string[]; data?: string; type?: string }[] = [];
  let nowMs = 1_000;
  const subscribers = { size: subscriberCount };
  const hub = {
    isClosed: false,
    clock: { nowMs: () => nowMs },
    subscribers,
    publish: async (input: { topics: string[]; data?: string; type?: string }) => {
      published.push(input);
      return { id: `id-${published.length}` };
    },
  } as unknown as Hub;
  return {
    hub,
    published,
    setNow: (ms: number) => {
      nowMs = ms;
    },
    setSubscribers: (size: number) => {
      subscribers.size = size;
    },
  };
}

describe('demo ticker', () => {
  it("moves one of the 20 symbols per tick, on that symbol's topic, while someone is subscribed", async () => {
    const { timers, fire } = manualTimers();
    const { hub, published } = fakeHub(1);
    // Always the last symbol, always up.
    const ticker = new DemoTicker({ hub, timers, intervalMs: 100, random: () => 0.999 });
    ticker.start();
    await fire();
    await fire();
    expect(DEMO_SYMBOLS).toHaveLength(20);
    expect(new Set(DEMO_SYMBOLS).size).toBe(20);
    expect(published).toHaveLength(2);
    const last = DEMO_SYMBOLS[19] ?? '';
    expect(published[0]).toMatchObject({ topics: [demoStockTopic(last)], type: 'price' });
    const prices = published.map((event) => JSON.parse(event.data ?? '{}') as DemoPrice);
    expect(prices[0]).toMatchObject({ symbol: last, atMs: 1_000 });
    expect(prices[1]?.priceCents).toBeGreaterThan(prices[0]?.priceCents ?? Number.POSITIVE_INFINITY);
    expect(prices[1]?.openCents).toBe(prices[0]?.openCents);
    ticker.stop();
  });

  it('snapshots every price with the id of the last event published, moved only by accepted publishes', async () => {
    const { timers, fire } = manualTimers();
    const { hub, published } = fakeHub(1);
    const ticker = new DemoTicker({ hub, timers, intervalMs: 100, random: () => 0.999 });
    const before = ticker.snapshot();
    expect(before.lastEventId).toBeNull();
    expect(before.prices.map((price) => price.symbol)).toEqual([...DEMO_SYMBOLS]);
    ticker.start();
    await fire();
    const after = ticker.snapshot();
    expect(after.lastEventId).toBe('id-1');
    const moved = JSON.parse(published[0]?.data ?? '{}') as DemoPrice;
    expect(after.prices[19]).toEqual(moved);
    expect(after.prices.slice(0, 19)).toEqual(before.prices.slice(0, 19));
    ticker.stop();
  });

  it('keeps its prices when the hub refuses a publish', async () => {
    const { timers, fire } = manualTimers();
    const { hub } = fakeHub(1);
    const errors: unknown[] = [];
    (hub as { publish: unknown }).publish = async () => {
      throw new Error('store is full');
    };
    const ticker = new DemoTicker({
      hub,
      timers,
      intervalMs: 100,
      random: () => 0.999,
      onError: (e) => errors.push(e),
    });
    const before = ticker.snapshot();
    ticker.start();
    await fire();
    expect(errors).toHaveLength(1);
    expect(ticker.snapshot()).toEqual(before);
    ticker.stop();
  });

  it('keeps a fixed timeline: the time a publish takes is taken off the next wait, and a stall starts anew', async () => {
    const { timers, fire, delays } = manualTimers();
    const { hub, setNow } = fakeHub(1);
    const ticker = new DemoTicker({ hub, timers, intervalMs: 100, random: () => 0.5 });
    ticker.start(); // at 1,000: first tick due at 1,100
    setNow(1_100);
    const publish = hub.publish.bind(hub);
    (hub as { publish: unknown }).publish = async (input: Parameters<Hub['publish']>[0]) => {
      setNow(hub.clock.nowMs() + 30); // a publish that takes 30 ms
      return publish(input);
    };
    await fire(); // next due at 1,200: wait 70 ms, not 100
    setNow(1_900); // stalled for most of a second
    await fire();
    expect(delays).toEqual([100, 70, 100]);
    ticker.stop();
  });

  it('goes on for the grace period after the last subscriber left, then stops publishing', async () => {
    const { timers, fire } = manualTimers();
    const { hub, published, setNow, setSubscribers } = fakeHub(1);
    const ticker = new DemoTicker({
      hub,
      timers,
      intervalMs: 100,
      random: () => 0.5,
      idleGraceMs: 60_000,
    });
    ticker.start();
    await fire();
    setSubscribers(0);
    setNow(61_000);
    await fire();
    expect(published).toHaveLength(2);
    setNow(61_001);
    await fire();
    expect(published).toHaveLength(2);
    ticker.stop();
  });

  it('publishes nothing while nobody was ever subscribed, and stops scheduling when stopped', async () => {
    const { timers, fire, pendingCount } = manualTimers();
    const { hub, published } = fakeHub(0);
    const ticker = new DemoTicker({ hub, timers, intervalMs: 1000, random: () => 0.5 });
    ticker.start();
    await fire();
    expect(published).toHaveLength(0);
    expect(pendingCount()).toBe(1);
    ticker.stop();
    expect(pendingCount()).toBe(0);
  });
});

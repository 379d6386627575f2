import { describe, expect, it } from 'vitest';
import { DEMO_STOCK_TOPIC, DemoTicker } from '../../src/http/demo-ticker.js';
import type { Hub, Scheduler } from '../../src/hub/hub.js';

/** A scheduler whose timers fire only when the test says so. */
function manualScheduler() {
  const pending = new Map<number, () => void>();
  let next = 0;
  const scheduler: Scheduler = {
    setTimeout(callback) {
      pending.set(++next, callback);
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
  return { scheduler, fire, pendingCount: () => pending.size };
}

function fakeHub(subscriberCount: number) {
  const published: { topics: string[]; data?: string; type?: string }[] = [];
  const hub = {
    isClosed: false,
    clock: { nowMs: () => 1_000 },
    subscribers: { size: subscriberCount },
    publish: async (input: { topics: string[]; data?: string; type?: string }) => {
      published.push(input);
      return {};
    },
  } as unknown as Hub;
  return { hub, published };
}

describe('demo ticker', () => {
  it('publishes a price on the stock topic at each tick while someone is subscribed', async () => {
    const { scheduler, fire } = manualScheduler();
    const { hub, published } = fakeHub(1);
    const ticker = new DemoTicker({ hub, scheduler, intervalMs: 1000, random: () => 1 });
    ticker.start();
    await fire();
    await fire();
    expect(published).toHaveLength(2);
    expect(published[0]).toMatchObject({ topics: [DEMO_STOCK_TOPIC], type: 'price' });
    const prices = published.map(
      (event) => (JSON.parse(event.data ?? '{}') as { priceCents: number }).priceCents,
    );
    expect(prices[1]).toBeGreaterThan(prices[0] ?? Number.POSITIVE_INFINITY);
    ticker.stop();
  });

  it('publishes nothing while nobody is subscribed, and stops scheduling when stopped', async () => {
    const { scheduler, fire, pendingCount } = manualScheduler();
    const { hub, published } = fakeHub(0);
    const ticker = new DemoTicker({ hub, scheduler, intervalMs: 1000, random: () => 0.5 });
    ticker.start();
    await fire();
    expect(published).toHaveLength(0);
    expect(pendingCount()).toBe(1);
    ticker.stop();
    expect(pendingCount()).toBe(0);
  });
});

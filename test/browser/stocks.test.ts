import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { StocksState } from '../../web/pages/stocks/main.js';
import {
  expectNoConsoleErrors,
  expectNoHorizontalOverflow,
  openInNewContext,
  PHONE,
  publishWithDemoToken,
  screenshot,
  tabTo,
  useDemoBrowser,
} from './demo-support.js';

const STOCK_TOPIC_PREFIX = 'https://demo.herald.dev/stocks/';

function stateOf(page: Page): Promise<StocksState> {
  return page.evaluate(() => structuredClone(window.heraldDemo?.state) as StocksState);
}

/** Ten updates a second over twenty symbols: every symbol has had a price within seconds. */
async function waitForAllSymbols(page: Page): Promise<void> {
  await expect.poll(async () => (await stateOf(page)).symbols, { timeout: 25_000, interval: 100 }).toBe(20);
}

/** Pixels of the price line's colour on the chart's canvas: the chart drew the series. */
function linePixels(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#chart canvas');
    const context = canvas?.getContext('2d');
    if (canvas === null || canvas === undefined || context === null || context === undefined) return 0;
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
      if (Math.abs(r - 79) < 24 && Math.abs(g - 70) < 24 && Math.abs(b - 229) < 24) count += 1;
    }
    return count;
  });
}

/** `#stat-rate` (events in the last second, as shown) read `count` times, `everyMs` apart. */
function sampleRates(page: Page, count: number, everyMs: number): Promise<number[]> {
  return page.evaluate(
    async ([count, everyMs]) => {
      const rates: number[] = [];
      for (let i = 0; i < count; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, everyMs));
        rates.push(Number(document.getElementById('stat-rate')?.textContent));
      }
      return rates;
    },
    [count, everyMs] as const,
  );
}

describe('demo page: stock ticker', () => {
  const demo = useDemoBrowser();

  it('fills the table with 20 symbols, charts one, drops and catches up without a gap, selects by keyboard', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/stocks');
    // The snapshot (GET /demo/stocks) is drawn before the stream opens: all 20 rows at once.
    expect(await page.locator('#quotes tr').count()).toBe(20);
    await expect.poll(() => page.textContent('#connection')).toBe('Live');

    await waitForAllSymbols(page);
    expect(await page.locator('#quotes tr').count()).toBe(20);
    for (const text of await page.locator('#quotes tr td:first-of-type').allTextContents()) {
      expect(text).toMatch(/^\$\d[\d,]*\.\d\d$/);
    }
    // The ticker publishes every 100 ms: the page's events/s, read five times over about two
    // seconds, has a median near 10 (one reading may catch a late tick or a burst).
    const rates = await sampleRates(page, 5, 450);
    const median = [...rates].sort((a, b) => a - b)[2] ?? 0;
    expect(median, `events/s read ${rates.join(', ')}`).toBeGreaterThanOrEqual(5);
    expect(median, `events/s read ${rates.join(', ')}`).toBeLessThanOrEqual(15);
    // The snapshot's price is drawn at once, held to now; the selected symbol (one of 20, moved at
    // random ten times a second) then gets a price of its own within seconds.
    await expect.poll(() => linePixels(page), { timeout: 5_000 }).toBeGreaterThan(20);
    await expect.poll(async () => (await stateOf(page)).chartPoints, { timeout: 20_000 }).toBeGreaterThan(1);

    // Drop the network with the keyboard; nothing arrives while offline.
    await tabTo(page, '#drop');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('#connection', 'data-state')).toBe('offline');
    const before = await stateOf(page);
    expect(before.isOffline).toBe(true);
    // Offline on purpose for a while (the ticker publishes ~15 prices meanwhile); not an assertion.
    await page.waitForTimeout(1_500);
    expect((await stateOf(page)).received).toBe(before.received);

    // Focus moved to Reconnect.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('reconnect');
    await page.keyboard.press('Enter');
    await expect
      .poll(async () => (await stateOf(page)).catchUp?.isDone, { timeout: 10_000, interval: 100 })
      .toBe(true);
    await expect.poll(() => page.getAttribute('#connection', 'data-state')).toBe('open');
    const after = await stateOf(page);
    const caughtUp = after.catchUp?.count ?? 0;
    expect(caughtUp).toBeGreaterThan(5);
    expect(await page.textContent('#catch-up')).toContain(
      `Caught up ${caughtUp} prices missed while offline`,
    );
    expect(after.received).toBeGreaterThan(before.received + caughtUp - 1);

    // No duplicates, and no gap: the page's ids are exactly the hub's history of the stock topics
    // between the first and the last id it received, in order (drop and catch-up included).
    expect(after.duplicates).toBe(0);
    expect(new Set(after.ids).size).toBe(after.ids.length);
    const store = demo.hub.herald.hub.store;
    const first = await store.cursorOf(after.ids[0] ?? '');
    const last = await store.cursorOf(after.ids[after.ids.length - 1] ?? '');
    expect(first).toBeDefined();
    expect(last).toBeDefined();
    const history = await store.readRange((first ?? 1) - 1, last ?? 0, 100_000);
    const published = history
      .filter((event) => event.topics.some((topic) => topic.startsWith(STOCK_TOPIC_PREFIX)))
      .map((event) => event.id);
    expect(after.ids).toEqual(published);
    // Keyboard: Tab to a symbol, Enter selects it; the arrow key moves to the next row.
    const symbols = await page.locator('#quotes .symbol-button').allTextContents();
    const caughtUpRow = await page.locator('#quotes tr.caught-up').first().getAttribute('data-symbol');
    const wanted = caughtUpRow ?? symbols[4] ?? '';
    await tabTo(page, `#quotes tr[data-symbol="${wanted}"] .symbol-button`);
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await stateOf(page)).selected).toBe(wanted);
    expect(await page.textContent('#chart-symbol')).toBe(wanted);
    expect(
      await page.getAttribute(`#quotes tr[data-symbol="${wanted}"] .symbol-button`, 'aria-pressed'),
    ).toBe('true');
    const next = symbols[symbols.indexOf(wanted) + 1];
    if (next !== undefined) {
      await page.keyboard.press('ArrowDown');
      await expect.poll(async () => (await stateOf(page)).selected).toBe(next);
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(next);
      await page.keyboard.press('ArrowUp');
      await expect.poll(async () => (await stateOf(page)).selected).toBe(wanted);
    }

    await expect.poll(() => page.textContent('#stat-rate'), { timeout: 5_000 }).not.toBe('0');
    await screenshot(page, 'stocks');
    expectNoConsoleErrors(errors);
    await context.close();
  });

  it('ignores a price published for a symbol the ticker does not have', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/stocks');
    expect(await page.locator('#quotes tr').count()).toBe(20);
    const topic = `${STOCK_TOPIC_PREFIX}ZZZ`;
    const data = JSON.stringify({ symbol: 'ZZZ', priceCents: 100, openCents: 100, atMs: Date.now() });
    // A demo token may not publish on the ticker's topics at all (the hub's side of the defence)…
    const refused = await publishWithDemoToken(demo.hub, { topic, type: 'price', data });
    expect(refused.status).toBe(403);
    // …but any publisher holding the hub's key can: the page must not trust the stream either.
    await demo.hub.herald.hub.publish({ topics: [topic], type: 'price', data });
    // The page received it (and said so in its state), but drew nothing for it.
    await expect.poll(async () => (await stateOf(page)).ignored, { timeout: 5_000, interval: 100 }).toBe(1);
    expect(await page.locator('#quotes tr').count()).toBe(20);
    expect(await page.locator('#quotes tr[data-symbol="ZZZ"]').count()).toBe(0);
    expect(await page.textContent('#stat-symbols')).toBe('20');
    expect((await stateOf(page)).symbols).toBe(20);
    expectNoConsoleErrors(errors);
    await context.close();
  });

  it('fits a phone screen without horizontal scrolling', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/stocks', PHONE);
    await waitForAllSymbols(page);
    await expect.poll(() => linePixels(page), { timeout: 5_000 }).toBeGreaterThan(20);
    await expectNoHorizontalOverflow(page);
    await screenshot(page, 'stocks-phone');
    expectNoConsoleErrors(errors);
    await context.close();
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// The part of the overview's `window.heraldDemo.state` this test reads, as the page declares it.
import type { TickerState } from '../../web/pages/home/live-ticker.js';
import { formatDollars } from '../../web/pages/stocks/prices.js';
import {
  expectNoConsoleErrors,
  expectNoHorizontalOverflow,
  newDemoContext,
  openDemoPage,
  openInNewContext,
  PHONE,
  publishWithDemoToken,
  screenshot,
  tabTo,
  useDemoBrowser,
  waitForDemoReady,
  waitForStateCount,
} from './demo-support.js';

const STOCK_TOPIC_PREFIX = 'https://demo.herald.dev/stocks/';

/** The pages the overview links to, in its order (the navigation's). */
const PAGES = ['/stocks', '/notifications', '/chat', '/meetings', '/lab'];

describe('overview page', () => {
  const demo = useDemoBrowser();

  it('says what Herald is, how to run it, links every page, and is live itself', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/');
    expect(await page.textContent('h1')).toBe('Herald');
    expect(await page.textContent('.home-lede')).toContain('Server-Sent Events');
    const commands = (await page.textContent('.home-run pre')) ?? '';
    expect(commands).toContain('npm ci && npm start');
    expect(commands).toContain('npm ci && npm test');
    expect(await page.textContent('.home-run')).toContain('local use only');

    // One card per page, each with one line and a link.
    const cards = await page.$$eval('.home-card', (items) =>
      items.map((item) => ({
        href: item.querySelector('a')?.getAttribute('href'),
        title: item.querySelector('h3')?.textContent,
        line: item.querySelector('p')?.textContent ?? '',
      })),
    );
    expect(cards.map((card) => card.href)).toEqual(PAGES);
    expect(cards.map((card) => card.title)).toEqual([
      'Stock ticker',
      'Notifications',
      'Chat',
      'Meetings',
      'Transport lab',
    ]);
    for (const card of cards) expect(card.line.length).toBeGreaterThan(30);

    // The live element: prices stream in over the Herald client, and the counter moves.
    await waitForStateCount<TickerState>(page, 'updates', 3);
    const before = Number(await page.textContent('#home-updates'));
    expect(before).toBeGreaterThanOrEqual(1);
    expect(await page.textContent('#home-price')).toMatch(/^\$[\d,]+\.\d\d$/);
    await page.waitForFunction(
      (seen) => Number(document.getElementById('home-updates')?.textContent) >= seen + 3,
      before,
      { timeout: 5_000 },
    );
    // Read in one go: ten prices a second would move between two reads.
    const [state, symbol, price] = await page.evaluate(() => [
      window.heraldDemo?.state as TickerState,
      document.getElementById('home-symbol')?.textContent,
      document.getElementById('home-price')?.textContent,
    ]);
    expect(symbol).toBe(state.last?.symbol);
    expect(price).toBe(formatDollars(state.last?.priceCents ?? 0));
    // The hub's own gauge counts this page's stream.
    await page.waitForFunction(
      () => /SSE [1-9]\d*/.test(document.getElementById('home-connections')?.textContent ?? ''),
      undefined,
      { timeout: 5_000 },
    );
    expect(await page.textContent('#connection')).toContain('Live');

    // Keyboard: every card link is reachable, and Enter on one opens its page.
    for (const path of PAGES) await tabTo(page, `.home-card a[href="${path}"]`);
    await screenshot(page, 'home');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${demo.hub.url}/lab`);
    await waitForDemoReady(page);
    expectNoConsoleErrors(errors);
    await context.close();
  });

  it('names the learning guides, each a file of docs/learn in the repository', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/');
    expect(await page.textContent('#home-learn-title')).toBe('Learn SSE');
    const paths = await page.$$eval('#home-guides li code', (items) => items.map((item) => item.textContent));
    expect(paths).toEqual([
      'docs/learn/index.md',
      'docs/learn/sse-from-the-bytes-up.md',
      'docs/learn/polling-long-polling-sse.md',
      'docs/learn/six-connections.md',
      'docs/learn/time-on-the-wire.md',
      'docs/learn/date-time-bugs.md',
      'docs/learn/use-cases.md',
    ]);
    // Named, not linked (the demo serves no documentation), so each must exist where it says.
    for (const path of paths) expect(existsSync(new URL(`../../${path}`, import.meta.url)), path).toBe(true);
    // Each guide under its own title (its first heading); the index is where to start.
    const titles = await page.$$eval('#home-guides .home-guide-title', (items) =>
      items.map((item) => item.textContent),
    );
    const headings = paths.slice(1).map((path) => {
      const text = readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
      return /^# (.+)$/m.exec(text)?.[1];
    });
    expect(titles).toEqual(['Start here', ...headings]);
    expectNoConsoleErrors(errors);
    await context.close();
  });

  it('links only pages that answer 200 and become ready without console errors', async () => {
    const { context, errors } = await newDemoContext(demo.browser);
    for (const path of PAGES) {
      const response = await fetch(`${demo.hub.url}${path}`);
      expect(response.status, path).toBe(200);
      await response.text();
      const page = await openDemoPage(context, demo.hub, path);
      expect(await page.evaluate(() => window.heraldDemo?.ready)).toBe(true);
      await page.close();
    }
    expectNoConsoleErrors(errors);
    await context.close();
  }, 60_000);

  it('skips price events it cannot show, and shows nothing broken', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/');
    await waitForStateCount<TickerState>(page, 'updates', 1);
    // Every text the quote shows from now on: each write adds a text node, so none is missed even
    // when several events are handled before the page paints.
    await page.evaluate(() => {
      const shown: string[] = [];
      (window as unknown as { shown: string[] }).shown = shown;
      new MutationObserver((records) => {
        for (const record of records) {
          for (const node of record.addedNodes) shown.push(node.textContent ?? '');
        }
      }).observe(document.getElementById('home-quote')?.parentElement ?? document.body, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });

    const topic = `${STOCK_TOPIC_PREFIX}EVIL`;
    const nowMs = Date.now();
    const hostile = [
      'not JSON at all',
      '{"symbol":"EVIL"}',
      JSON.stringify({ symbol: 'EVIL', priceCents: 12_345, openCents: 0, atMs: nowMs }),
      JSON.stringify({ symbol: 'EVIL', priceCents: 12_345, openCents: 10_000, atMs: 1e300 }),
      JSON.stringify({ symbol: 'EVIL', priceCents: '123', openCents: 100, atMs: nowMs }),
      JSON.stringify({ symbol: 'EVIL', priceCents: -5, openCents: 100, atMs: nowMs }),
    ];
    // A demo token may not publish on the ticker's topics (the hub's side of the defence)…
    const refused = await publishWithDemoToken(demo.hub, { topic, type: 'price', data: hostile[3] ?? '' });
    expect(refused.status).toBe(403);
    // …but a publisher with the hub's key can, so the page must not trust the stream either. A
    // good price goes last: once it is shown, every event before it was handled.
    for (const data of hostile) await demo.hub.herald.publish({ topics: [topic], type: 'price', data });
    const good = { symbol: 'GOOD', priceCents: 4_242, openCents: 4_000, atMs: Date.now() };
    await demo.hub.herald.publish({
      topics: [`${STOCK_TOPIC_PREFIX}GOOD`],
      type: 'price',
      data: JSON.stringify(good),
    });
    const shown = () => page.evaluate(() => (window as unknown as { shown: string[] }).shown);
    await expect.poll(shown, { timeout: 5_000 }).toContain('GOOD');
    const texts = await shown();
    expect(texts).toContain('$42.42');
    expect(texts).toContain('▲ 6.05% since open');
    expect(texts).not.toContain('EVIL');
    for (const text of texts) expect(text).not.toMatch(/NaN|Infinity|Invalid|undefined/);
    // The ticker goes on as before.
    const updates = await page.evaluate(
      () => (window.heraldDemo?.state as TickerState | undefined)?.updates ?? 0,
    );
    await waitForStateCount<TickerState>(page, 'updates', updates + 3);
    expectNoConsoleErrors(errors);
    await context.close();
  });

  it('fits a phone without horizontal scrolling', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/', PHONE);
    await waitForStateCount<TickerState>(page, 'updates', 1);
    await expectNoHorizontalOverflow(page);
    await screenshot(page, 'home-phone');
    expectNoConsoleErrors(errors);
    await context.close();
  });
});

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEMO_TOPIC_PREFIX } from '../../src/demo/index.js';
import {
  type DemoBrowser,
  expectNoConsoleErrors,
  newDemoContext,
  openDemoPage,
  useDemoBrowser,
} from './demo-support.js';

/**
 * Ten tabs of one browser on the demo over plain HTTP/1.1, where Chromium opens at most 6
 * connections to one host: with a stream per tab the seventh tab would hang. The pages share their
 * streams across tabs (SharedEventSource), one per identity and topic set:
 * the prices (overview and stocks), Alice's and Bob's own streams (notifications and meetings),
 * and Alice's #general.
 */
const TABS = [
  '/',
  '/stocks',
  '/notifications?as=alice',
  '/meetings?as=alice',
  '/chat?as=alice&room=general',
  '/',
  '/stocks',
  '/notifications?as=alice',
  '/meetings?as=bob',
  '/chat?as=alice&room=general',
] as const;
const SHARED_STREAMS = 4;

/** `herald_<name>{transport="sse"}` from the hub's `/metrics`. */
async function sseMetric(demo: DemoBrowser, name: string): Promise<number> {
  const text = await (await fetch(`${demo.hub.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{transport="sse"}`));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

/** Whether the page's own record of what it received names `id` (or, for the chat, shows it). */
function hasReceived(page: Page, id: string): Promise<boolean> {
  return page.evaluate((wanted) => {
    const state = (window.heraldDemo?.state ?? {}) as Record<string, unknown>;
    const list = <T>(key: string): T[] => (Array.isArray(state[key]) ? (state[key] as T[]) : []);
    switch (window.heraldDemo?.page) {
      case 'home':
      case 'stocks':
        return list<string>('ids').includes(wanted);
      case 'notifications':
        return list<{ id: string }>('received').some((item) => item.id === wanted);
      case 'meetings':
        return list<{ title: string }>('reminders').some((item) => item.title === wanted);
      case 'chat':
        return document.querySelector(`#chat-messages li[data-id="${CSS.escape(wanted)}"]`) !== null;
      default:
        return false;
    }
  }, id);
}

describe('ten demo tabs in one browser, over HTTP/1.1', () => {
  const demo = useDemoBrowser();

  it('all open, all receive an event published after the last one opened, over a few shared streams', async () => {
    // Said in #general before any tab opens: the tab that joins the room's stream second (it does
    // not connect) must show it too, from the hub's history.
    const said = await demo.hub.herald.publish({
      topics: [`${DEMO_TOPIC_PREFIX}chat/general`],
      type: 'chat',
      data: JSON.stringify({ from: 'Carol', text: 'Said before the tabs opened', atMs: Date.now() }),
    });
    const { context, errors } = await newDemoContext(demo.browser);
    const pages: Page[] = [];
    for (const path of TABS) pages.push(await openDemoPage(context, demo.hub, path));

    // Every tab is ready; the hub holds one stream per shared stream, not one per tab, and no tab
    // opened another (no leader changed: each stream was requested once).
    await expect.poll(() => sseMetric(demo, 'herald_connections')).toBe(SHARED_STREAMS);
    expect(await sseMetric(demo, 'herald_subscribe_requests_total')).toBe(SHARED_STREAMS);

    // Fences, published after all ten are open: one per topic the tabs read.
    const { herald } = demo.hub;
    const nowMs = Date.now();
    const price = await herald.publish({
      topics: [`${DEMO_TOPIC_PREFIX}stocks/FENCE`],
      type: 'price',
      data: JSON.stringify({ symbol: 'FENCE', priceCents: 100, openCents: 100, atMs: nowMs }),
    });
    const notice = await herald.publish({
      topics: [`${DEMO_TOPIC_PREFIX}notifications`],
      type: 'notification',
      data: JSON.stringify({
        text: 'Fence',
        level: 'info',
        from: 'carol',
        fromName: 'Carol',
        to: 'everyone',
        sentAtMs: nowMs,
      }),
    });
    const chat = await herald.publish({
      topics: [`${DEMO_TOPIC_PREFIX}chat/general`],
      type: 'chat',
      data: JSON.stringify({ from: 'Carol', text: 'Fence', atMs: nowMs }),
    });
    for (const user of ['alice', 'bob']) {
      await herald.publish({
        topics: [`${DEMO_TOPIC_PREFIX}users/${user}`],
        type: 'reminder',
        isPrivate: true,
        data: JSON.stringify({
          meetingId: 'fence',
          title: `Fence for ${user}`,
          organizer: 'Carol',
          zone: 'Europe/Oslo',
          local: '2027-01-04T09:00',
          startMs: nowMs,
          durationMinutes: 30,
          lead: 'at the start',
        }),
      });
    }
    const fences: Record<string, string> = {
      home: price.id,
      stocks: price.id,
      notifications: notice.id,
      chat: chat.id,
    };
    for (const [i, page] of pages.entries()) {
      const kind = await page.evaluate(() => window.heraldDemo?.page ?? '');
      const user = new URL(page.url()).searchParams.get('as');
      const fence = kind === 'meetings' ? `Fence for ${user}` : (fences[kind] ?? '');
      await expect
        .poll(() => hasReceived(page, fence), { timeout: 10_000, message: `tab ${i + 1}: ${TABS[i]}` })
        .toBe(true);
    }
    for (const page of pages) {
      const kind = await page.evaluate(() => window.heraldDemo?.page);
      if (kind === 'chat') expect(await hasReceived(page, said.id)).toBe(true);
      if (kind === 'stocks') {
        const duplicates = await page.evaluate(
          () => (window.heraldDemo?.state as { duplicates?: number } | undefined)?.duplicates,
        );
        expect(duplicates).toBe(0);
      }
    }
    // Still the same streams: the fences reached ten tabs over them.
    expect(await sseMetric(demo, 'herald_connections')).toBe(SHARED_STREAMS);
    expectNoConsoleErrors(errors);
    await context.close();
  }, 120_000);
});

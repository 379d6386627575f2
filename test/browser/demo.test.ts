import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { type DemoHub, type DemoLabState, startDemoHub } from './demo-support.js';

describe('demo page in Chromium', () => {
  let browser: Browser;
  let hub: DemoHub;
  let page: Page;

  beforeAll(async () => {
    hub = await startDemoHub();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    await page.goto(`${hub.url}/`);
    await page.waitForFunction(() => window.heraldDemo?.ready === true, undefined, { timeout: 10_000 });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  it('counts a sent notification on the bell', async () => {
    await page.click('#send-notification');
    await page.waitForFunction(
      () => document.getElementById('unread-count')?.textContent === '1',
      undefined,
      {
        timeout: 5_000,
      },
    );
    expect(await page.isVisible('#unread-count')).toBe(true);
    await page.click('#bell');
    expect(await page.textContent('#unread-count')).toBe('0');
  });

  it("shows a chat message in the read-only pane, and the hub refuses the reader's publish", async () => {
    await page.fill('#chat-input', 'hello Bob');
    await page.click('#chat-form button');
    await page.waitForSelector('#chat-reader-log li:has-text("hello Bob")', { timeout: 5_000 });
    await page.click('#chat-reader-try');
    await page.waitForSelector('#chat-reader-status:has-text("403")', { timeout: 5_000 });
  });

  it('schedules a reminder at a wall time in a zone and shows it when the hub delivers it', async () => {
    await page.selectOption('#reminder-zone', 'Asia/Tokyo');
    // Two seconds from now, written as a Tokyo wall time (UTC+9, no DST).
    const wall = new Date(Date.now() + 2000 + 9 * 3_600_000).toISOString().slice(0, 19);
    await page.fill('#reminder-when', wall);
    await page.fill('#reminder-text', 'Stand-up');
    await page.click('#reminder-form button[type=submit]');
    await page.waitForSelector('#reminder-status:has-text("Scheduled by the hub")', { timeout: 5_000 });
    await page.waitForSelector('#reminder-list li.delivered:has-text("Stand-up")', { timeout: 10_000 });
  }, 20_000);

  it('delivers the same event ids, in order, over SSE, long polling and short polling', async () => {
    await page.selectOption('#lab-poll-interval', '500');
    await page.selectOption('#lab-rate', '10');
    await page.click('#lab-toggle');
    await page.waitForFunction(() => (window.heraldDemo?.lab.published.length ?? 0) >= 15, undefined, {
      timeout: 10_000,
    });
    await page.click('#lab-toggle');
    // Stopped: wait for in-flight publishes to settle and every pane (short polling last) to catch up.
    await page.waitForFunction(
      () => {
        const lab = window.heraldDemo?.lab;
        if (lab === undefined || lab.published.length === 0) return false;
        const n = lab.published.length;
        return (
          lab.ids.sse.length === n && lab.ids['long-poll'].length === n && lab.ids['short-poll'].length === n
        );
      },
      undefined,
      { timeout: 10_000 },
    );
    const lab = (await page.evaluate(() => window.heraldDemo?.lab)) as DemoLabState;
    expect(lab.ids.sse).toEqual(lab.published);
    expect(lab.ids['long-poll']).toEqual(lab.published);
    expect(lab.ids['short-poll']).toEqual(lab.published);
    // The panes redraw every 250 ms: wait for the count to show rather than read it at once.
    const count = String(lab.published.length);
    for (const pane of ['sse', 'long-poll', 'short-poll']) {
      await page.waitForSelector(`#lab-${pane} [data-stat="events"]:text-is("${count}")`, { timeout: 5_000 });
    }
  }, 30_000);
});

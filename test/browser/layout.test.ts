import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  expectNoConsoleErrors,
  expectOnlyConsoleErrors,
  openInNewContext,
  PHONE,
  useDemoBrowser,
} from './demo-support.js';

/** A common laptop screen: what "the first screenful" means at desktop width. */
const LAPTOP = { width: 1280, height: 800 };
const VIEWPORTS = [
  { name: 'desktop', viewport: LAPTOP },
  { name: 'phone', viewport: PHONE },
] as const;

/** Where the closing note's screenshots go: docs/images/demo-<page>-<desktop|phone>.png. */
const IMAGES_DIR = join(import.meta.dirname, '../../docs/images');

/** A PNG of what the viewport shows (not the full page: the files stay small). */
async function saveViewport(page: Page, name: string): Promise<void> {
  mkdirSync(IMAGES_DIR, { recursive: true });
  await page.screenshot({ path: join(IMAGES_DIR, `${name}.png`), fullPage: false });
}

/** The element's box, in CSS pixels of the viewport as it is scrolled now. */
async function boxOf(
  page: Page,
  selector: string,
): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await page.locator(selector).boundingBox();
  if (box === null) throw new Error(`${selector} is not rendered`);
  return box;
}

/** The element lies within the viewport's width: nothing of it is cut off at either side. */
async function expectWithinWidth(page: Page, selector: string, width: number): Promise<void> {
  const box = await boxOf(page, selector);
  expect(box.x, `${selector} starts left of the viewport`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${selector} ends right of the viewport`).toBeLessThanOrEqual(width);
}

/**
 * The select shows its longest choice whole: a closed select cuts its text at its own width, so
 * the choice's text (measured in the select's font) must fit inside the padding and the arrow.
 */
async function expectChoicesFit(page: Page, selector: string): Promise<void> {
  const { widestPx, roomPx } = await page.evaluate((wanted) => {
    const select = document.querySelector<HTMLSelectElement>(wanted);
    const context = document.createElement('canvas').getContext('2d');
    if (select === null || context === null) return { widestPx: Number.NaN, roomPx: 0 };
    const style = getComputedStyle(select);
    context.font = style.font;
    const widths = [...select.options].map((option) => context.measureText(option.text).width);
    // Chromium draws the arrow inside the padding box; about 20 px with its margin.
    const arrowPx = 20;
    const paddingPx = Number.parseFloat(style.paddingLeft) + Number.parseFloat(style.paddingRight);
    return { widestPx: Math.max(...widths), roomPx: select.clientWidth - paddingPx - arrowPx };
  }, selector);
  expect(widestPx, `the longest choice of ${selector} is cut off`).toBeLessThanOrEqual(roomPx);
}

describe('demo layout at desktop and phone width', () => {
  const demo = useDemoBrowser();

  for (const { name, viewport } of VIEWPORTS) {
    it(`meetings at ${viewport.width}×${viewport.height}: the DST table and the reminder select fit the width`, async () => {
      const { context, errors, page } = await openInNewContext(demo, '/meetings', viewport);
      await expectWithinWidth(page, '#meeting-lead', viewport.width);
      await expectChoicesFit(page, '#meeting-lead');
      await expectWithinWidth(page, '#dst-table', viewport.width);
      // Every column of the table is on screen: its box is not wider than what shows it.
      const scroll = await page.evaluate(() => {
        const box = document.querySelector('.dst-card .table-scroll');
        return { scrollWidth: box?.scrollWidth ?? Number.NaN, clientWidth: box?.clientWidth ?? 0 };
      });
      expect(scroll.scrollWidth, 'the DST table scrolls sideways').toBeLessThanOrEqual(scroll.clientWidth);
      await page.locator('#meeting-lead').scrollIntoViewIfNeeded();
      await saveViewport(page, `demo-meetings-form-${name}`);
      await page.locator('#dst-table').scrollIntoViewIfNeeded();
      await saveViewport(page, `demo-meetings-${name}`);
      expectNoConsoleErrors(errors);
      await context.close();
    });

    it(`overview at ${viewport.width}×${viewport.height}: the guides fit the width`, async () => {
      const { context, errors, page } = await openInNewContext(demo, '/', viewport);
      await expectWithinWidth(page, '.home-learn', viewport.width);
      for (const item of await page.locator('#home-guides li').all()) {
        const box = await item.boundingBox();
        expect(box === null ? Number.NaN : box.x + box.width).toBeLessThanOrEqual(viewport.width);
      }
      await page.locator('.home-learn').scrollIntoViewIfNeeded();
      await saveViewport(page, `demo-home-${name}`);
      expectNoConsoleErrors(errors);
      await context.close();
    });

    it(`chat at ${viewport.width}×${viewport.height}: a reader's refused post says what the reader may not do, where it is seen`, async () => {
      const { context, errors, page } = await openInNewContext(demo, '/chat?as=reader&room=help', viewport);
      await page.fill('#chat-input', 'May I?');
      await page.press('#chat-input', 'Enter');
      await expect.poll(() => page.textContent('#chat-status'), { timeout: 5_000 }).toContain('403');
      const status = (await page.textContent('#chat-status')) ?? '';
      expect(status).toContain('You can read this chat but not post to it: your token allows reading only');
      expect(status).not.toContain('does not allow publishing on every topic');
      await expectWithinWidth(page, '#chat-status', viewport.width);
      if (viewport === LAPTOP) {
        // In the first screenful, without scrolling.
        expect(await page.evaluate(() => window.scrollY)).toBe(0);
        const box = await boxOf(page, '#chat-status');
        expect(box.y).toBeGreaterThanOrEqual(0);
        expect(box.y + box.height, 'the refusal is below the fold').toBeLessThanOrEqual(viewport.height);
      }
      await page.locator('#chat-status').scrollIntoViewIfNeeded();
      await saveViewport(page, `demo-chat-${name}`);
      // The browser logs the refused publish; nothing else.
      expectOnlyConsoleErrors(errors, [/403/]);
      await context.close();
    });
  }
});

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TransportName } from '../../src/client/index.js';
// `window.heraldDemo.state` of the lab page, as the page declares it.
import type { LabState } from '../../web/pages/lab/lab-run.js';
import {
  expectNoConsoleErrors,
  expectNoHorizontalOverflow,
  openInNewContext,
  PHONE,
  SCREENSHOT_DIR,
  screenshot,
  tabTo,
  useDemoBrowser,
  waitForStateCount,
} from './demo-support.js';

const TRANSPORTS: TransportName[] = ['short-poll', 'long-poll', 'sse'];

const labState = (page: Page) => page.evaluate(() => window.heraldDemo?.state as LabState);

async function waitForPhase(page: Page, phase: LabState['phase'], timeoutMs = 10_000): Promise<void> {
  await page.waitForFunction(
    (wanted) => (window.heraldDemo?.state as { phase?: string } | undefined)?.phase === wanted,
    phase,
    { timeout: timeoutMs },
  );
}

/** A counter as the pane shows it. */
async function shown(page: Page, transport: TransportName, stat: string): Promise<string> {
  return (await page.textContent(`#lab-${transport} [data-stat="${stat}"]`)) ?? '';
}

describe('transport lab page', () => {
  const demo = useDemoBrowser();

  it('runs one feed over the three transports: same ids in order, requests short > long > SSE, numbers explained', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/lab');
    expect((await labState(page)).phase).toBe('idle');
    expect(await page.textContent('#lab-status')).toContain('Nothing is connected');

    // Keyboard only: Tab to Start, Enter; later Enter again on the same button (now "Stop").
    await tabTo(page, '#lab-toggle');
    await page.keyboard.press('Enter');
    await waitForPhase(page, 'running');
    expect(await page.textContent('#lab-toggle')).toBe('Stop');
    expect(await page.isDisabled('#lab-interval')).toBe(true);

    // The hub's gauge, as the panes show it: one SSE stream and one held long poll (at least: it
    // counts every client of the hub).
    await page.waitForFunction(
      () =>
        ['sse', 'long-poll'].every(
          (t) => Number(document.querySelector(`#lab-${t} [data-stat="hub-open"]`)?.textContent ?? '0') >= 1,
        ),
      undefined,
      { timeout: 5_000 },
    );

    // About five seconds at the default rate (1 a second).
    await waitForStateCount<LabState>(page, 'published', 5, 10_000);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('lab-toggle');
    await page.keyboard.press('Enter');
    await waitForPhase(page, 'stopped');

    const state = await labState(page);
    expect(state.error).toBeUndefined();
    expect(state.settings).toEqual({ ratePerSecond: 1, shortPollIntervalMs: 500 });
    expect(state.published.length).toBeGreaterThanOrEqual(5);
    expect(new Set(state.published).size).toBe(state.published.length);
    for (const transport of TRANSPORTS) expect(state.ids[transport]).toEqual(state.published);
    expect(await page.textContent('#lab-status')).toContain(
      `${state.published.length} events published, and every transport received all of them, in order`,
    );

    // The panes redraw every 250 ms: wait for the final numbers to show, then read the page.
    const events = String(state.published.length);
    for (const transport of TRANSPORTS) {
      await page.waitForSelector(`#lab-${transport} [data-stat="events"]:text-is("${events}")`, {
        timeout: 2_000,
      });
    }
    await page.waitForFunction(
      () => {
        const state = window.heraldDemo?.state as { requests: Record<string, number> };
        return ['sse', 'long-poll', 'short-poll'].every(
          (t) =>
            document.querySelector(`#lab-${t} [data-stat="requests"]`)?.textContent ===
            String(state.requests[t]),
        );
      },
      undefined,
      { timeout: 2_000 },
    );
    const requests = Object.fromEntries(
      await Promise.all(TRANSPORTS.map(async (t) => [t, Number(await shown(page, t, 'requests'))] as const)),
    ) as Record<TransportName, number>;
    const n = state.published.length;
    expect(requests.sse).toBe(1);
    expect(requests['long-poll']).toBeGreaterThan(requests.sse);
    expect(requests['short-poll']).toBeGreaterThan(requests['long-poll']);
    // Long polling: about one request per event plus the one held until Stop. Events are at least
    // half a second apart, far more than a round trip, but on a loaded machine two may still share
    // an answer: fewer requests then, never more, and never as few as one per two events.
    expect(requests['long-poll']).toBeLessThanOrEqual(n + 1);
    expect(requests['long-poll']).toBeGreaterThan(n / 2);
    // Short polling at 0.5 s: about two polls per second, most of them answered with nothing.
    const empty = Number(await shown(page, 'short-poll', 'empty'));
    expect(empty).toBeGreaterThan(0);
    expect(empty).toBeLessThan(requests['short-poll']);
    for (const transport of TRANSPORTS) {
      expect(await shown(page, transport, 'latency-p50')).toMatch(/^\d+ ms$/);
      expect(await shown(page, transport, 'latency-p95')).toMatch(/^\d+ ms$/);
      expect(await shown(page, transport, 'bytes-per-event')).toMatch(/^\d+(\.\d)? (B|KB)$/);
    }

    // "What the numbers say" is written from the same numbers.
    const paragraph = async (about: string) =>
      (await page.textContent(`#lab-summary p[data-about="${about}"]`)) ?? '';
    expect(await paragraph('short-poll')).toContain(
      `Short polling made ${requests['short-poll']} requests for ${n} events; ${empty} of them came back empty.`,
    );
    expect(await paragraph('short-poll')).toContain(
      `${await shown(page, 'short-poll', 'latency-p50')} (p95 ${await shown(page, 'short-poll', 'latency-p95')})`,
    );
    const longPoll = await paragraph('long-poll');
    expect(longPoll).toContain(`Long polling made ${requests['long-poll']} requests: `);
    expect(longPoll).toContain(
      requests['long-poll'] === n + 1
        ? `${n} answered with events and 1 was held at the hub waiting for the next one. That is one request per event.`
        : `Its ${n} events came in ${requests['long-poll'] - 1} answers`,
    );
    expect(await paragraph('sse')).toContain(`SSE used 1 request for all ${n} events`);
    expect(await paragraph('sse')).toContain(`median latency of ${await shown(page, 'sse', 'latency-p50')}`);
    expect(await paragraph('verdict')).toContain(
      `short polling > long polling > SSE (${requests['short-poll']} > ${requests['long-poll']} > 1)`,
    );
    expect(await paragraph('verdict')).toContain(
      `${await shown(page, 'long-poll', 'bytes-per-event')} by long polling`,
    );

    // The chart drew the run.
    expect(await page.locator('#lab-chart canvas').count()).toBe(1);

    await screenshot(page, 'lab');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    // For the README: the lab after a run, cropped to the page's content.
    // (A full-page clip: an element screenshot scrolls, and the sticky header would cover the title.)
    const main = (await page.locator('#main').boundingBox())!;
    await page.screenshot({ path: `${SCREENSHOT_DIR}/lab-readme.png`, fullPage: true, clip: main });
    expectNoConsoleErrors(errors);
    await context.close();
  }, 40_000);

  it('fits a phone: no horizontal scrolling, panes stacked, a run still works', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/lab', PHONE);
    await page.click('#lab-toggle');
    await waitForPhase(page, 'running');
    await waitForStateCount<LabState>(page, 'published', 2);
    await page.click('#lab-toggle');
    await waitForPhase(page, 'stopped');
    await page.waitForSelector('#lab-summary p[data-about="verdict"]', { timeout: 2_000 });
    await expectNoHorizontalOverflow(page);
    const [first, second] = await Promise.all(
      ['#lab-short-poll', '#lab-long-poll'].map((selector) => page.locator(selector).boundingBox()),
    );
    expect(second!.y).toBeGreaterThan(first!.y + first!.height - 1);
    await screenshot(page, 'lab-phone');
    expectNoConsoleErrors(errors);
    await context.close();
  }, 30_000);
});

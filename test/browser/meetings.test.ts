import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { MeetingsState } from '../../web/pages/meetings/main.js';
import {
  expectNoConsoleErrors,
  expectNoHorizontalOverflow,
  openDemoPage,
  openInNewContext,
  PHONE,
  screenshot,
  tabTo,
  useDemoBrowser,
} from './demo-support.js';

/** The preview's row for a participant: `[when, offset, day shift]` as shown. */
async function row(page: Page, scope: string, user: string): Promise<string[]> {
  return page
    .locator(`${scope} li[data-user="${user}"]`)
    .first()
    .evaluate((item) =>
      ['.zone-when', '.zone-offset', '.zone-day'].map((part) => item.querySelector(part)?.textContent ?? ''),
    );
}

async function setWallTime(page: Page, date: string, time: string, zone = 'Europe/Oslo'): Promise<void> {
  await page.fill('#meeting-date', date);
  await page.fill('#meeting-time', time);
  await page.selectOption('#meeting-zone', zone);
}

/**
 * The preview shows `rows` (user → `[when, offset, day shift]`). It redraws after the form's input
 * events, so the first row is waited for; the others are drawn with it.
 */
async function expectPreview(page: Page, rows: Record<string, string[]>): Promise<void> {
  const [first, ...others] = Object.entries(rows);
  if (first === undefined) return;
  await expect.poll(() => row(page, '#zone-preview', first[0])).toEqual(first[1]);
  for (const [user, expected] of others)
    expect(await row(page, '#zone-preview', user), user).toEqual(expected);
}

function columnOf(page: Page, zone: string): Promise<string[]> {
  return page.locator(`#dst-table td[data-zone="${zone}"] .cell-time`).allTextContents();
}

describe('demo page: meetings', () => {
  const demo = useDemoBrowser();

  it('shows a meeting on every participant’s clock, in summer and in winter', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/meetings?as=alice');
    expect(await page.inputValue('#meeting-zone')).toBe('Europe/Oslo');

    // Summer: Oslo CEST (+2), New York EDT (−4), Tokyo (+9, no DST), Kathmandu (+5:45).
    await setWallTime(page, '2026-07-15', '15:00');
    await expectPreview(page, {
      alice: ['Wed 15 Jul, 15:00', 'UTC+02:00', ''],
      bob: ['Wed 15 Jul, 09:00', 'UTC−04:00', ''],
      carol: ['Wed 15 Jul, 22:00', 'UTC+09:00', ''],
      dev: ['Wed 15 Jul, 18:45', 'UTC+05:45', ''],
    });

    // Winter: Oslo CET (+1), New York EST (−5); Tokyo is already on the next day.
    await setWallTime(page, '2026-01-14', '17:30');
    await expectPreview(page, {
      alice: ['Wed 14 Jan, 17:30', 'UTC+01:00', ''],
      bob: ['Wed 14 Jan, 11:30', 'UTC−05:00', ''],
      carol: ['Thu 15 Jan, 01:30', 'UTC+09:00', 'next day'],
      dev: ['Wed 14 Jan, 22:15', 'UTC+05:45', ''],
    });

    // Booked in New York at night: Oslo is on the next day; a row for the booking zone is not added
    // while a participant lives there.
    await setWallTime(page, '2026-01-14', '20:00', 'America/New_York');
    await expect
      .poll(() => row(page, '#zone-preview', 'alice'))
      .toEqual(['Thu 15 Jan, 02:00', 'UTC+01:00', 'next day']);
    expect(await page.locator('#zone-preview li[data-user="booking-zone"]').count()).toBe(0);
    await page.selectOption('#meeting-zone', 'America/Los_Angeles');
    await expect
      .poll(() => row(page, '#zone-preview', 'booking-zone'))
      .toEqual(['Wed 14 Jan, 20:00', 'UTC−08:00', '']);
    expect(await page.textContent('#dst-note')).toBe('');
    expectNoConsoleErrors(errors);
    await context.close();
  });

  it('books by keyboard and the reminder arrives, a few seconds later, in each participant’s tab', async () => {
    const { context, errors, page: alice } = await openInNewContext(demo, '/meetings?as=alice');
    const bob = await openDemoPage(context, demo.hub, '/meetings?as=bob');
    const carol = await openDemoPage(context, demo.hub, '/meetings?as=carol');
    await alice.bringToFront();

    await alice.uncheck('#participant-carol');
    await alice.uncheck('#participant-dev');
    expect(await alice.inputValue('#meeting-lead')).toBe('soon');
    await tabTo(alice, '#meeting-title');
    await alice.keyboard.press('ControlOrMeta+a');
    await alice.keyboard.type('Release sync');
    const bookedAtMs = Date.now();
    await alice.keyboard.press('Enter');

    const answer = alice.locator('#booked-list .hub-answer').first();
    await expect
      .poll(() => answer.textContent())
      .toContain('Herald scheduled the reminders for Alice and Bob');
    const instant = Date.parse((await answer.locator('.hub-instant').textContent()) ?? '');
    // Five seconds out, to the second (deliver_local carries seconds).
    expect(instant).toBeGreaterThanOrEqual(Math.floor(bookedAtMs / 1000) * 1000 + 4000);
    expect(instant).toBeLessThanOrEqual(Date.now() + 5000);
    expect(await alice.textContent('#booking-status')).toBe(
      'Booked “Release sync”: 2 reminders scheduled on Herald.',
    );

    // Delivered by the hub's scheduler at the due instant: a toast in Alice's tab, a list entry in Bob's.
    const toast = alice.locator('#toasts .toast');
    await expect.poll(() => toast.count(), { timeout: 12_000 }).toBe(1);
    expect(await toast.locator('.reminder-title').textContent()).toContain('Release sync');
    const state = (await alice.evaluate(() => window.heraldDemo?.state)) as MeetingsState;
    expect(state.reminders).toHaveLength(1);
    expect(state.reminders[0]?.dueMs).toBe(instant);
    expect(state.reminders[0]?.lateMs).toBeGreaterThanOrEqual(0);
    expect(state.reminders[0]?.lateMs).toBeLessThan(3000);
    expect(await toast.locator('.reminder-late').textContent()).toMatch(
      /^Due \d\d:\d\d:\d\d\.\d{3}, arrived \d+ ms late$/,
    );
    await screenshot(alice, 'meetings');

    await expect
      .poll(() => bob.locator('#reminder-list .reminder-title').allTextContents(), { timeout: 5000 })
      .toEqual(['Release sync']);
    expect(await bob.textContent('#reminder-list .reminder')).toContain('your time (New York)');
    // Carol was not invited: her private topic got nothing.
    expect(await carol.locator('#reminder-list .reminder').count()).toBe(0);

    await toast.locator('.toast-close').click();
    await expect.poll(() => toast.count()).toBe(0);
    expectNoConsoleErrors(errors);
    await context.close();
  });

  it('shows the New York shift of a weekly Oslo meeting, and Herald’s answer for a time DST skips', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/meetings?as=alice');

    expect(await columnOf(page, 'Europe/Oslo')).toEqual(['15:00', '15:00', '15:00', '15:00', '15:00']);
    expect(await columnOf(page, 'America/New_York')).toEqual(['09:00', '10:00', '10:00', '09:00', '09:00']);
    expect(await columnOf(page, 'Asia/Tokyo')).toEqual(['23:00', '23:00', '23:00', '22:00', '22:00']);
    expect(await columnOf(page, 'Asia/Kathmandu')).toEqual(['19:45', '19:45', '19:45', '18:45', '18:45']);
    expect(await columnOf(page, 'UTC')).toEqual(['14:00', '14:00', '14:00', '13:00', '13:00']);
    expect(await page.locator('#dst-table tbody th').allTextContents()).toEqual([
      'Mon 8 Mar',
      'Mon 15 Mar',
      'Mon 22 Mar',
      'Mon 29 Mar',
      'Mon 5 Apr',
    ]);
    expect(await page.locator('#dst-table td.changed[data-zone="America/New_York"]').count()).toBe(2);

    // The preset, by keyboard: it fills the form and puts focus on the booking button.
    await tabTo(page, '#preset-gap', 80);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.textContent('#dst-note'))
      .toContain('02:30 does not exist in Oslo on Sun 28 Mar 2027: the clocks jump 02:00 → 03:00.');
    expect(await page.textContent('#dst-note')).toContain(
      'With “compatible”, Herald will deliver at 03:30 (UTC+02:00).',
    );
    expect(await row(page, '#zone-preview', 'alice')).toEqual(['Sun 28 Mar, 03:30', 'UTC+02:00', '']);
    expect(await row(page, '#zone-preview', 'bob')).toEqual([
      'Sat 27 Mar, 21:30',
      'UTC−04:00',
      'previous day',
    ]);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(
      'Book and schedule reminders',
    );
    await page.keyboard.press('Enter');
    const answer = page.locator('#booked-list .hub-answer').first();
    await expect.poll(() => answer.textContent()).toContain('2027-03-28T02:30:00 Europe/Oslo');
    expect(await answer.locator('.hub-instant').textContent()).toBe('2027-03-28T01:30:00.000Z');
    expect(await answer.textContent()).toContain('(Sun 28 Mar, 03:30 in Oslo, UTC+02:00)');

    // Under `reject` the hub refuses it and names both candidates; the page shows its answer.
    await page.selectOption('#meeting-policy', 'reject');
    await expect.poll(() => page.textContent('#dst-note')).toContain('With “reject”, Herald will refuse');
    await page.click('#booking button[type="submit"]');
    const refused = page.locator('#booked-list .hub-answer.refused').first();
    await expect
      .poll(() => refused.textContent())
      .toContain('Herald refused the reminders for Alice, Bob, Carol and Dev: 400');
    expect(await refused.textContent()).toContain(
      '2027-03-28T02:30:00 does not exist (DST gap) in Europe/Oslo: 2027-03-28T00:30:00.000Z or 2027-03-28T01:30:00.000Z',
    );
    // The browser logs each refused request (one per participant): those are the point here.
    expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
    expect(errors).toHaveLength(4);
    await context.close();
  });

  it('fits a phone screen', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/meetings?as=bob', PHONE);
    expect(await page.inputValue('#meeting-zone')).toBe('America/New_York');
    await page.click('#preset-gap');
    await expect.poll(() => page.textContent('#dst-note')).toContain('does not exist');
    await expectNoHorizontalOverflow(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'meetings-phone');
    expectNoConsoleErrors(errors);
    await context.close();
  });
});

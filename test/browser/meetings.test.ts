import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { MeetingsState } from '../../web/pages/meetings/main.js';
import {
  type DemoBrowser,
  demoToken,
  expectFallbackToAlice,
  expectNoConsoleErrors,
  expectNoHorizontalOverflow,
  expectOnlyConsoleErrors,
  openDemoPage,
  openInNewContext,
  PHONE,
  publishWithDemoToken,
  SCREENSHOT_DIR,
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

/** A `reminder` published now on a user's topic from the test process: a form POST to the hub. */
async function publishReminder(demo: DemoBrowser, user: string, data: string): Promise<void> {
  const response = await publishWithDemoToken(demo.hub, {
    topic: `https://demo.herald.dev/users/${user}`,
    type: 'reminder',
    data,
  });
  expect(response.status, await response.text()).toBe(200);
}

/** A reminder as the page publishes it, with `title`. */
function reminderData(title: string, changes: Record<string, unknown> = {}): string {
  return JSON.stringify({
    meetingId: 'test',
    title,
    organizer: 'Bob',
    zone: 'America/New_York',
    local: '2026-07-15T09:00',
    startMs: Date.parse('2026-07-15T13:00:00Z'),
    durationMinutes: 30,
    lead: 'reminder at the start',
    ...changes,
  });
}

/** The state of a schedule as the hub's schedules API tells it. */
async function scheduleState(demo: DemoBrowser, id: string): Promise<string> {
  const response = await fetch(`${demo.hub.url}/.well-known/mercure/schedules/${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${await demoToken(demo.hub)}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { state: string }).state;
}

function stateOf(page: Page): Promise<MeetingsState> {
  return page.evaluate(() => window.heraldDemo?.state as MeetingsState);
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
    await expect.poll(() => toast.count(), { timeout: 20_000 }).toBe(1);
    expect(await toast.locator('.reminder-title').textContent()).toContain('Release sync');
    const state = (await alice.evaluate(() => window.heraldDemo?.state)) as MeetingsState;
    expect(state.reminders).toHaveLength(1);
    expect(state.reminders[0]?.dueMs).toBe(instant);
    // Not early, and at its due time rather than at some later retry (a loose bound: this is no
    // benchmark; `npm run bench:lateness` measures lateness).
    expect(state.reminders[0]?.lateMs).toBeGreaterThanOrEqual(0);
    expect(state.reminders[0]?.lateMs).toBeLessThan(10_000);
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
    // Sent: the booking no longer offers to cancel them.
    await expect
      .poll(() => alice.locator('#booked-list .cancel-reminders').first().textContent(), { timeout: 5_000 })
      .toBe('Reminders sent (Release sync)');
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
    // Nothing stays behind in the hub's store for 2027: the booking's reminders are cancelled.
    const [booked] = (await stateOf(page)).booked;
    expect(booked?.scheduleIds).toHaveLength(4);
    await page.click('#booked-list .booked:first-child .cancel-reminders');
    await expect
      .poll(() => page.textContent('#booked-list .booked:first-child .cancel-result'))
      .toBe('Cancelled: Herald will not send the reminders for Alice, Bob, Carol and Dev.');
    for (const id of booked?.scheduleIds ?? []) expect(await scheduleState(demo, id)).toBe('cancelled');

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

  it('cancels a booking’s reminders by keyboard: Herald never sends them', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/meetings?as=alice');
    await page.uncheck('#participant-carol');
    await page.uncheck('#participant-dev');
    expect(await page.inputValue('#meeting-lead')).toBe('soon');
    await page.fill('#meeting-title', 'Called off');
    await page.press('#meeting-title', 'Enter');
    const entry = page.locator('#booked-list .booked').first();
    await expect.poll(() => entry.locator('.booked-head b').textContent()).toBe('Called off');

    // Within the 5 seconds, by keyboard: Tab to the entry's button, Enter.
    await tabTo(page, '#booked-list .booked:first-child .cancel-reminders');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => entry.locator('.cancel-result').textContent())
      .toBe('Cancelled: Herald will not send the reminders for Alice and Bob.');
    const button = entry.locator('.cancel-reminders');
    expect(await button.textContent()).toBe('Reminders cancelled (Called off)');
    expect(await button.getAttribute('aria-disabled')).toBe('true');
    // The focus stays where the keyboard user is.
    expect(await page.evaluate(() => document.activeElement?.classList.contains('cancel-reminders'))).toBe(
      true,
    );
    await entry.screenshot({ path: `${SCREENSHOT_DIR}/meetings-cancelled.png` });
    const ids = (await stateOf(page)).booked[0]?.scheduleIds ?? [];
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(await scheduleState(demo, id)).toBe('cancelled');

    // A second booking, due after the first would have been: the hub delivers in due order, so
    // once it is here the cancelled one would have come before it.
    await page.fill('#meeting-title', 'Still on');
    await page.press('#meeting-title', 'Enter');
    await expect
      .poll(() => page.locator('#reminder-list .reminder-title').allTextContents(), { timeout: 12_000 })
      .toEqual(['Still on']);
    expect((await stateOf(page)).reminders.map((reminder) => reminder.title)).toEqual(['Still on']);
    expectNoConsoleErrors(errors);
    await context.close();
  });

  it('drops forged reminders silently and still shows real ones', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/meetings?as=alice', PHONE);
    // Anyone with a demo token may publish on a user's topic.
    const hostile = [
      'not JSON at all',
      '["a", "list"]',
      JSON.stringify({ title: 'Only a title', local: '2026-07-15T09:00' }),
      reminderData('Unknown zone', { zone: 'Mars/Olympus_Mons' }),
      reminderData('Zone not a string', { zone: 42 }),
      reminderData('Far future', { startMs: 1e300 }),
      reminderData('Start as text', { startMs: '1784120400000' }),
      reminderData('Endless', { durationMinutes: 1e300 }),
      reminderData('No duration', { durationMinutes: null }),
      reminderData('No organizer', { organizer: undefined }),
    ];
    for (const data of hostile) await publishReminder(demo, 'alice', data);
    await publishReminder(demo, 'alice', reminderData('A real one', { startMs: null }));
    await publishReminder(demo, 'alice', reminderData('T'.repeat(300)));

    await expect
      .poll(() => page.locator('#reminder-list .reminder-title').allTextContents())
      .toEqual(['T'.repeat(80), 'A real one']);
    expect((await stateOf(page)).reminders.map((reminder) => reminder.title)).toEqual([
      'A real one',
      'T'.repeat(80),
    ]);
    const list = (await page.textContent('#reminder-list')) ?? '';
    expect(list).toContain('Booked for 2026-07-15 09:00 in New York');
    expect(list).toContain('Starts Wed 15 Jul, 15:00 your time (Oslo)');
    expect(list).not.toMatch(/NaN|Invalid|undefined/);
    await expectNoHorizontalOverflow(page);
    expectNoConsoleErrors(errors);
    await context.close();
  });

  it('hands the focus on when a focused toast is crowded out by newer ones', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/meetings?as=carol');
    await publishReminder(demo, 'carol', reminderData('First'));
    await expect.poll(() => page.locator('#toasts .toast').count()).toBe(1);
    await tabTo(page, '#toasts .toast-close', 80);
    // Four more: at most four toasts, so the focused first one gives way.
    for (const title of ['Second', 'Third', 'Fourth', 'Fifth']) {
      await publishReminder(demo, 'carol', reminderData(title));
    }
    await expect
      .poll(() => page.locator('#toasts .toast .reminder-title').allTextContents())
      .toEqual(['Second', 'Third', 'Fourth', 'Fifth']);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(
      'Book and schedule reminders',
    );
    expectNoConsoleErrors(errors);
    await context.close();
  });

  it('acts as Alice, and says so, for a user the hub does not know', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/meetings?as=zed');
    await expectFallbackToAlice(page);
    expect(await page.getAttribute('#meeting-users a[aria-current]', 'data-user')).toBe('alice');
    expect(await page.inputValue('#meeting-zone')).toBe('Europe/Oslo');
    expect((await stateOf(page)).user).toBe('alice');
    // The browser logs the hub's 400 for the unknown user; nothing else.
    expectOnlyConsoleErrors(errors, [/status of 400/]);
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

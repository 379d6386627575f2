import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { NotificationsState } from '../../web/pages/notifications/main.js';
import {
  expectFallbackToAlice,
  expectNoConsoleErrors,
  expectNoHorizontalOverflow,
  expectOnlyConsoleErrors,
  openDemoPage,
  openInNewContext,
  PHONE,
  screenshot,
  tabTo,
  useDemoBrowser,
} from './demo-support.js';

function stateOf(page: Page): Promise<NotificationsState> {
  return page.evaluate(() => structuredClone(window.heraldDemo?.state) as NotificationsState);
}

/**
 * Sends with the keyboard only: Tab to the recipient, arrow keys to pick it (and the level), Tab to
 * the message, type, Enter.
 */
async function sendByKeyboard(
  page: Page,
  recipientSteps: number,
  text: string,
  levelSteps = 0,
): Promise<void> {
  await page.focus('body');
  await tabTo(page, '#recipient');
  // A closed select moves its choice with the arrow keys; Home first makes the steps absolute.
  await page.keyboard.press('Home');
  for (let i = 0; i < recipientSteps; i += 1) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('message');
  if (levelSteps > 0) {
    // Into the level radios (Tab lands on the checked one), along them, and back.
    await page.keyboard.press('Tab');
    for (let i = 0; i < levelSteps; i += 1) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+Tab');
  }
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** Until the toasts' entrance animations are over, so a screenshot shows them as they stay. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.getAnimations().every((animation) => animation.playState !== 'running'),
    undefined,
    { timeout: 5_000, polling: 50 },
  );
}

/** The options of the recipient select: everyone, then each fake user (alice, bob, …). */
const TO_EVERYONE = 0;
const TO_ALICE = 1;
/** Steps from the default level, info: success, warning. */
const LEVEL_WARNING = 2;

describe('demo page: notifications', () => {
  const demo = useDemoBrowser();

  it('delivers a private notification to the right user only and a public one to both', async () => {
    const { context, errors, page: alice } = await openInNewContext(demo, '/notifications?as=alice');
    const bob = await openDemoPage(context, demo.hub, '/notifications?as=bob');
    expect(await alice.textContent('#me')).toBe('Alice');
    expect(await bob.textContent('#me')).toBe('Bob');
    expect(await bob.getAttribute('#switch-user a[aria-current="page"]', 'href')).toBe('?as=bob');
    expect(await bob.inputValue('#recipient')).toBe('everyone');

    // Bob, by keyboard, sends a private one to Alice.
    const secret = `For Alice only ${Date.now()}`;
    await sendByKeyboard(bob, TO_ALICE, secret, LEVEL_WARNING);
    await expect.poll(() => bob.textContent('#send-status')).toContain('Sent privately to Alice');
    expect(await bob.inputValue('#message')).toBe('');

    const aliceToast = alice.locator('#toasts .toast', { hasText: secret });
    await aliceToast.waitFor({ timeout: 5_000 });
    expect(await aliceToast.textContent()).toContain('Bob → you only');
    expect(await aliceToast.getAttribute('class')).toContain('level-warning');
    expect(await alice.locator('#inbox li', { hasText: secret }).textContent()).toContain('private');
    expect(await alice.textContent('#unread-count')).toBe('1');

    // Alice answers everyone (keyboard again); it reaches both tabs. Published after the private
    // one, so once Bob's tab has it, the private one would have arrived before if it were coming.
    const announcement = `Hello everyone ${Date.now()}`;
    await sendByKeyboard(alice, TO_EVERYONE, announcement);
    for (const page of [alice, bob]) {
      await page.locator('#toasts .toast', { hasText: announcement }).waitFor({ timeout: 5_000 });
      await page.locator('#inbox li', { hasText: announcement }).waitFor({ timeout: 5_000 });
    }
    expect(await bob.locator('#toasts .toast', { hasText: announcement }).textContent()).toContain(
      'Alice → everyone',
    );
    expect(await bob.textContent('body')).not.toContain(secret);
    expect((await stateOf(bob)).received.map((notice) => notice.text)).toEqual([announcement]);
    expect((await stateOf(alice)).received.map((notice) => notice.text)).toEqual([secret, announcement]);

    expect(await alice.textContent('#unread-count')).toBe('2');
    await alice.bringToFront();
    await settled(alice);
    await screenshot(alice, 'notifications');

    // The bell marks everything read.
    await tabTo(alice, '#bell');
    await alice.keyboard.press('Enter');
    expect(await alice.isHidden('#unread-count')).toBe(true);
    expect(await alice.locator('#inbox li.unread').count()).toBe(0);

    // An empty message is not sent.
    await alice.focus('#message');
    await alice.keyboard.press('Enter');
    expect(await alice.textContent('#send-status')).toBe('Write a message first.');

    expectNoConsoleErrors(errors);
    await context.close();
  });

  it('acts as Alice, and says so, for a user the hub does not know', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/notifications?as=zed');
    await expectFallbackToAlice(page);
    expect((await stateOf(page)).user).toBe('alice');
    expect(await page.textContent('#me')).toBe('Alice');
    // The browser logs the hub's 400 for the unknown user; nothing else.
    expectOnlyConsoleErrors(errors, [/status of 400/]);
    await context.close();
  });

  it('fits a phone screen without horizontal scrolling, toasts included', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/notifications?as=bob', PHONE);
    const text = 'A rather long notification that has to wrap on a phone screen without any trouble';
    await sendByKeyboard(page, TO_EVERYONE, text);
    await page.locator('#toasts .toast', { hasText: text }).waitFor({ timeout: 5_000 });
    await expectNoHorizontalOverflow(page);
    const { innerWidth, toastRight } = await page.evaluate(() => ({
      innerWidth: window.innerWidth,
      toastRight: document.querySelector('#toasts .toast')?.getBoundingClientRect().right ?? 0,
    }));
    expect(toastRight).toBeLessThanOrEqual(innerWidth);
    await settled(page);
    await screenshot(page, 'notifications-phone');
    expectNoConsoleErrors(errors);
    await context.close();
  });
});

import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
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

/** The names the "Online" list shows, in order. */
function onlineNames(page: Page): Promise<string[]> {
  return page
    .locator('#chat-presence li[data-name]')
    .evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.name ?? ''));
}

/** The texts of the messages shown, oldest first. */
function messageTexts(page: Page): Promise<string[]> {
  return page.locator('#chat-messages .chat-text').allTextContents();
}

/** Types a message and sends it with Enter, as someone at a keyboard would. */
async function sendByKeyboard(page: Page, text: string): Promise<void> {
  await page.focus('#chat-input');
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  await expect.poll(() => page.inputValue('#chat-input')).toBe('');
}

describe('demo page: chat', () => {
  const demo = useDemoBrowser();

  it('carries messages between tabs, shows presence, and marks what came while Bob was away', async () => {
    const { context, errors, page: alice } = await openInNewContext(demo, '/chat?as=alice&room=general');
    let bob = await openDemoPage(context, demo.hub, '/chat?as=bob&room=general');
    await expect.poll(() => alice.textContent('#connection')).toBe('Live');

    // Presence: both names in each tab, from the subscriptions list and subscription events.
    await expect.poll(() => onlineNames(alice)).toEqual(['Alice', 'Bob']);
    await expect.poll(() => onlineNames(bob)).toEqual(['Alice', 'Bob']);
    expect(await alice.textContent('#chat-presence li[data-name="Alice"]')).toContain('(you)');

    // Alice writes (Enter sends); Bob's tab shows it.
    await sendByKeyboard(alice, 'Hello Bob, are you there?');
    await expect.poll(() => messageTexts(bob)).toEqual(['Hello Bob, are you there?']);
    expect(await bob.textContent('#chat-messages .chat-msg .chat-from')).toBe('Alice');
    expect(await alice.locator('#chat-messages .chat-msg.mine').count()).toBe(1);

    // Bob leaves: his subscription ends and Alice's list drops him.
    await bob.close();
    await expect.poll(() => onlineNames(alice), { timeout: 10_000 }).toEqual(['Alice']);

    await sendByKeyboard(alice, 'I will leave a note then.');
    await sendByKeyboard(alice, 'Standup moved to 10:00.');
    await expect.poll(() => messageTexts(alice)).toHaveLength(3);

    // Bob comes back: the history is replayed, with the marker before the two he missed.
    bob = await openDemoPage(context, demo.hub, '/chat?as=bob&room=general');
    await expect
      .poll(() => messageTexts(bob))
      .toEqual(['Hello Bob, are you there?', 'I will leave a note then.', 'Standup moved to 10:00.']);
    const order = await bob
      .locator('#chat-messages > li')
      .evaluateAll((items) =>
        items.map((item) =>
          item.classList.contains('chat-divider')
            ? `-- ${item.textContent} --`
            : (item.querySelector('.chat-text')?.textContent ?? ''),
        ),
      );
    expect(order).toEqual([
      'Hello Bob, are you there?',
      '-- 2 new since your last visit --',
      'I will leave a note then.',
      'Standup moved to 10:00.',
    ]);
    await expect.poll(() => onlineNames(alice)).toEqual(['Alice', 'Bob']);

    // A live message after the replay is not counted as "new since your last visit".
    await sendByKeyboard(alice, 'Welcome back!');
    await expect.poll(() => messageTexts(bob)).toHaveLength(4);
    expect(await bob.textContent('.chat-divider')).toBe('2 new since your last visit');
    await sendByKeyboard(bob, 'Thanks, see you at 10.');
    await expect.poll(() => messageTexts(alice)).toHaveLength(5);
    await bob.evaluate(() => window.scrollTo(0, 0));
    await screenshot(bob, 'chat');

    // Another room: its own topic, history and presence.
    await tabTo(bob, '#chat-rooms a[data-room="random"]');
    await bob.keyboard.press('Enter');
    await expect.poll(() => bob.textContent('#room-title')).toBe('#random');
    await expect.poll(() => onlineNames(bob)).toEqual(['Bob']);
    await expect.poll(() => onlineNames(alice)).toEqual(['Alice']);
    expect(await bob.textContent('#chat-messages')).toContain('No messages in #random yet');
    expect(new URL(bob.url()).searchParams.get('room')).toBe('random');

    expectNoConsoleErrors(errors);
    await context.close();
  });

  it('lets a reader read but shows the hub’s 403 when it posts', async () => {
    const { context, errors, page: reader } = await openInNewContext(demo, '/chat?as=reader&room=general');
    await expect.poll(() => messageTexts(reader)).toContain('Thanks, see you at 10.');
    await expect.poll(() => onlineNames(reader)).toContain('Reader');
    await reader.fill('#chat-input', 'Can I post?');
    await reader.press('#chat-input', 'Enter');
    await expect.poll(() => reader.textContent('#chat-status')).toMatch(/^The hub refused the message: 403/);
    expect(await reader.inputValue('#chat-input')).toBe('Can I post?');
    // The browser logs the refused request itself: that one is the point of this test, no other.
    const [refused, ...others] = errors;
    expect(refused).toMatch(/status of 403/);
    expectNoConsoleErrors(others);
    await context.close();
  });

  it('fits a phone screen', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/chat?as=carol&room=general', PHONE);
    await expect.poll(() => messageTexts(page)).toHaveLength(5);
    await sendByKeyboard(page, 'Hi from my phone, a message long enough to wrap over a few lines here.');
    await expect.poll(() => messageTexts(page)).toHaveLength(6);
    await expectNoHorizontalOverflow(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'chat-phone');
    expectNoConsoleErrors(errors);
    await context.close();
  });
});

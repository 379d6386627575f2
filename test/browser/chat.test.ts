import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { MAX_FROM_LENGTH, MAX_TEXT_LENGTH } from '../../web/pages/chat/room-stream.js';
import {
  type DemoBrowser,
  expectFallbackToAlice,
  expectNoConsoleErrors,
  expectNoHorizontalOverflow,
  expectOnlyConsoleErrors,
  openDemoPage,
  openInNewContext,
  PHONE,
  publishWithDemoToken,
  screenshot,
  tabTo,
  useDemoBrowser,
} from './demo-support.js';

const TOPIC_PREFIX = 'https://demo.herald.dev/chat/';

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

/**
 * Publishes on a room from the test process, as anyone holding a demo token may: a form POST to
 * the hub with Bob's token. `data` goes out as given, so it may be anything but a chat message.
 */
async function publishOnRoom(demo: DemoBrowser, room: string, data: string): Promise<void> {
  const response = await publishWithDemoToken(demo.hub, {
    topic: `${TOPIC_PREFIX}${room}`,
    type: 'chat',
    data,
  });
  expect(response.status, await response.text()).toBe(200);
}

/** Seeds a room with messages, one publish each, in order. */
async function seedRoom(demo: DemoBrowser, room: string, messages: [from: string, text: string][]) {
  for (const [from, text] of messages) {
    await publishOnRoom(demo, room, JSON.stringify({ from, text, atMs: Date.now() }));
  }
}

/**
 * The rooms are fixed (general, random, help) and the hub is shared by the file, so: the first
 * test owns #general and asserts on the whole room; the others seed what they read themselves and
 * assert only on their own messages, so none depends on another having run, or not.
 */
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

    // Another room: its own topic, history and presence (#random may hold other tests' messages:
    // this one looks for its own, and for none of #general's).
    await seedRoom(demo, 'random', [['Carol', 'Anyone up for lunch on Friday?']]);
    await tabTo(bob, '#chat-rooms a[data-room="random"]');
    await bob.keyboard.press('Enter');
    await expect.poll(() => bob.textContent('#room-title')).toBe('#random');
    await expect.poll(() => messageTexts(bob)).toContain('Anyone up for lunch on Friday?');
    expect(await messageTexts(bob)).not.toContain('Hello Bob, are you there?');
    await expect.poll(() => onlineNames(bob)).toEqual(['Bob']);
    await expect.poll(() => onlineNames(alice)).toEqual(['Alice']);
    expect(new URL(bob.url()).searchParams.get('room')).toBe('random');

    expectNoConsoleErrors(errors);
    await context.close();
  });

  it('lets a reader read but shows the hub’s 403 when it posts', async () => {
    await seedRoom(demo, 'help', [['Dev', 'How do I read a private topic?']]);
    const { context, errors, page: reader } = await openInNewContext(demo, '/chat?as=reader&room=help');
    await expect.poll(() => messageTexts(reader)).toContain('How do I read a private topic?');
    await expect.poll(() => onlineNames(reader)).toContain('Reader');
    await reader.fill('#chat-input', 'Can I post?');
    await reader.press('#chat-input', 'Enter');
    await expect
      .poll(() => reader.textContent('#chat-status'))
      .toBe(
        'You can read this chat but not post to it: your token allows reading only (the hub answered 403).',
      );
    expect(await reader.inputValue('#chat-input')).toBe('Can I post?');
    // The browser logs the refused request itself: that one is the point of this test, no other.
    expectOnlyConsoleErrors(errors, [/status of 403/]);
    await context.close();
  });

  it('fits a phone screen', async () => {
    const seeded: [string, string][] = [
      ['Alice', 'Phone check: does the room fit a narrow screen?'],
      ['Bob', 'It should, the bubbles wrap.'],
      ['Dev', 'And the room list sits above the messages.'],
    ];
    await seedRoom(demo, 'random', seeded);
    const { context, errors, page } = await openInNewContext(demo, '/chat?as=carol&room=random', PHONE);
    const mine = 'Hi from my phone, a message long enough to wrap over a few lines here.';
    const ours = (texts: string[]) =>
      texts.filter((text) => [...seeded.map(([, t]) => t), mine].includes(text));
    await expect.poll(async () => ours(await messageTexts(page))).toEqual(seeded.map(([, text]) => text));
    await sendByKeyboard(page, mine);
    await expect
      .poll(async () => ours(await messageTexts(page)))
      .toEqual([...seeded.map(([, text]) => text), mine]);
    expect(await page.locator('#chat-messages .chat-msg.mine .chat-text').last().textContent()).toBe(mine);
    await expectNoHorizontalOverflow(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'chat-phone');
    expectNoConsoleErrors(errors);
    await context.close();
  });

  it('shows forged messages harmlessly, replayed or live, and skips what is no message at all', async () => {
    // Anyone with a demo token may publish anything on a room; the room replays from `earliest`,
    // so whatever is there reaches every later visitor.
    const hostile = [
      JSON.stringify({ from: 'Mallory', text: 'From the year 275760 and beyond', atMs: 1e300 }),
      '{"from":"Mallory","text":"At an infinite time","atMs":1e999}',
      'not JSON at all',
      '[1, 2, 3]',
      JSON.stringify({ from: 42, text: 'A number for a name' }),
      JSON.stringify({ from: 'Mallory', text: 'No time at all' }),
      JSON.stringify({ from: 'M'.repeat(200), text: 'x'.repeat(5000), atMs: -1e300 }),
    ];
    for (const data of hostile) await publishOnRoom(demo, 'help', data);
    await seedRoom(demo, 'help', [['Carol', 'A real message after the forged ones']]);

    const { context, errors, page } = await openInNewContext(demo, '/chat?as=dev&room=help', PHONE);
    const expected = [
      'From the year 275760 and beyond',
      'At an infinite time',
      'No time at all',
      'x'.repeat(MAX_TEXT_LENGTH),
      'A real message after the forged ones',
    ];
    const live = ['Live from far away', 'Live and real'];
    const ours = (texts: string[]) => texts.filter((text) => expected.includes(text) || live.includes(text));
    await expect.poll(async () => ours(await messageTexts(page))).toEqual(expected);

    // Live, too: the same forged time, then a real message, both after the page opened.
    await publishOnRoom(
      demo,
      'help',
      JSON.stringify({ from: 'Mallory', text: 'Live from far away', atMs: 1e300 }),
    );
    await seedRoom(demo, 'help', [['Carol', 'Live and real']]);
    await expect.poll(async () => ours(await messageTexts(page))).toEqual([...expected, ...live]);

    // Each shown message has a readable time and a bounded name; nothing says NaN or Invalid.
    const shown = await page.locator('#chat-messages .chat-msg').evaluateAll((items) =>
      items.map((item) => ({
        from: item.querySelector('.chat-from')?.textContent ?? '',
        time: item.querySelector('time')?.textContent ?? '',
        datetime: item.querySelector('time')?.getAttribute('datetime') ?? '',
      })),
    );
    expect(shown.length).toBeGreaterThanOrEqual(expected.length + live.length);
    for (const { from, time, datetime } of shown) {
      expect(from.length).toBeGreaterThan(0);
      expect(from.length).toBeLessThanOrEqual(MAX_FROM_LENGTH);
      expect(time).toMatch(/\d{1,2}:\d\d/);
      expect(Number.isNaN(Date.parse(datetime))).toBe(false);
    }
    expect(await page.textContent('#chat-messages')).not.toMatch(/NaN|Invalid/);
    // A 500-character word wraps inside its bubble on a phone.
    await expectNoHorizontalOverflow(page);
    // And the page still works: a message sent now arrives.
    await sendByKeyboard(page, 'Still here after all that');
    await expect.poll(async () => (await messageTexts(page)).at(-1)).toBe('Still here after all that');
    expectNoConsoleErrors(errors);
    await context.close();
  });

  it('acts as Alice, and says so, for a user the hub does not know', async () => {
    const { context, errors, page } = await openInNewContext(demo, '/chat?as=zed&room=help');
    await expectFallbackToAlice(page);
    expect(await page.getAttribute('#chat-users a[aria-current]', 'data-user')).toBe('alice');
    await expect.poll(() => onlineNames(page)).toContain('Alice');
    await sendByKeyboard(page, 'Posted as Alice');
    await expect
      .poll(() => page.locator('#chat-messages .chat-msg.mine .chat-from').last().textContent())
      .toBe('Alice');
    // The browser logs the hub's 400 for the unknown user; nothing else.
    expectOnlyConsoleErrors(errors, [/status of 400/]);
    await context.close();
  });
});

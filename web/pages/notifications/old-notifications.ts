import type { SharedEventSource } from '../../../src/client/index.js';
import { byId, formatClock, h, prependBounded } from '../../shared/dom.js';
import type { DemoSession } from '../../shared/session.js';
import { FEED_PATHS } from './feed.js';

const SAMPLES = [
  'Your build passed',
  'New comment on "Q3 plan"',
  'Invoice #1042 was paid',
  'Alice mentioned you',
  'Deploy to staging finished',
  'Backup completed',
];

/** Card 1: a button publishes, every open tab's bell counts what it has not read yet. */
export function startNotifications(session: DemoSession, feed: SharedEventSource): void {
  const topic = session.topic(FEED_PATHS.notification);
  const count = byId('unread-count');
  const list = byId('notification-list');
  const status = byId('notification-status');
  let unread = 0;
  let sent = 0;
  const render = () => {
    count.textContent = String(unread);
    count.hidden = unread === 0;
    byId('bell').classList.toggle('ringing', unread > 0);
  };
  feed.addEventListener('notification', (event) => {
    const { text, sentAtMs } = JSON.parse((event as MessageEvent<string>).data) as {
      text: string;
      sentAtMs: number;
    };
    unread += 1;
    render();
    prependBounded(
      list,
      h('li', { class: 'unread' }, h('span', {}, text), h('time', {}, formatClock(sentAtMs))),
      5,
    );
  });
  byId('send-notification').addEventListener('click', async () => {
    const text = SAMPLES[sent++ % SAMPLES.length] ?? 'Hello';
    const response = await session.publish({
      topic,
      type: 'notification',
      data: JSON.stringify({ text, sentAtMs: Date.now() }),
    });
    status.textContent = response.ok ? '' : `publish failed: ${response.status}`;
  });
  byId('bell').addEventListener('click', () => {
    unread = 0;
    for (const item of list.querySelectorAll('.unread')) item.classList.remove('unread');
    render();
  });
  render();
}

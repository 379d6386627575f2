import '../../shared/demo.css';
import './notifications.css';
import { byId, h } from '../../shared/dom.js';
import { followConnection, markReady, mountLayout, showBanner } from '../../shared/layout.js';
import { DemoSession, type DemoUser, NOTIFICATIONS_PATH, userFromLocation } from '../../shared/session.js';
import { Toasts } from '../../shared/toasts.js';
import { renderUserSwitcher } from '../../shared/user-switcher.js';
import { Inbox } from './inbox.js';
import {
  EVERYONE,
  LEVEL_ICONS,
  type Level,
  MAX_TEXT_LENGTH,
  type Notice,
  parseNotice,
} from './notification.js';

/** What the browser tests read (`window.heraldDemo.state`); updated in place. */
export interface NotificationsState {
  user: string;
  /** Every notification this tab received, oldest first. */
  received: { id: string; text: string; from: string; to: string }[];
  unread: number;
}

const DEFAULT_USER = 'alice';

const setStatus = mountLayout('notifications');

try {
  // An unknown `?as=` acts as the default user, and says so, as every page of the demo does.
  const { session, fellBack } = await DemoSession.openAs(userFromLocation(DEFAULT_USER), DEFAULT_USER);
  if (fellBack !== undefined) showBanner(fellBack);
  const me = session.user as DemoUser;
  const state: NotificationsState = { user: me.id, received: [], unread: 0 };
  renderIdentity(me, session.users);
  fillRecipients(me, session.users);

  const inbox = new Inbox(
    byId('inbox'),
    byId<HTMLButtonElement>('bell'),
    byId('unread-count'),
    byId('inbox-empty'),
  );
  const toasts = new Toasts(byId('toasts'), { returnFocusTo: () => document.getElementById('message') });
  byId('bell').addEventListener('click', () => {
    state.unread = inbox.unread;
  });

  // The public topic and this user's own: the token lets the hub deliver private updates of
  // `users/<me>` to this user's tabs only. All tabs of one user (this page's and the meetings
  // page's) share the stream; other users' tabs must not, hence a stream per user.
  const source = session.userStream();
  followConnection(source, setStatus);
  source.addEventListener('open', () => markReady(state), { once: true });
  source.addEventListener('notification', (event) => {
    const { data, lastEventId } = event as MessageEvent<string>;
    const notice = parseNotice(data);
    if (notice === undefined) return;
    const sender = notice.from === me.id ? 'You' : notice.fromName;
    const audience = notice.to === EVERYONE ? 'everyone' : notice.to === me.id ? 'you only' : notice.to;
    state.received.push({ id: lastEventId, text: notice.text, from: notice.from, to: notice.to });
    inbox.add(notice, sender);
    state.unread = inbox.unread;
    toasts.show([h('strong', {}, `${sender} → ${audience}`), h('p', {}, notice.text)], {
      className: `level-${notice.level}`,
      icon: LEVEL_ICONS[notice.level],
    });
  });

  const form = byId<HTMLFormElement>('send-form');
  const sendStatus = byId('send-status');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fields = new FormData(form);
    const text = String(fields.get('message') ?? '').trim();
    const to = String(fields.get('recipient') ?? EVERYONE);
    const level = String(fields.get('level') ?? 'info') as Level;
    if (text === '') {
      sendStatus.textContent = 'Write a message first.';
      byId('message').focus();
      return;
    }
    const notice: Notice = { text, level, from: me.id, fromName: me.name, to, sentAtMs: Date.now() };
    const isPublic = to === EVERYONE;
    const response = await session.publish({
      topic: isPublic ? session.topic(NOTIFICATIONS_PATH) : session.userTopic(to),
      type: 'notification',
      data: JSON.stringify(notice),
      // A private update reaches only subscribers whose token may read its topic.
      ...(isPublic ? {} : { private: 'on' }),
    });
    if (!response.ok) {
      sendStatus.textContent = `The hub refused it: ${response.status} ${await response.text()}`;
      return;
    }
    const name = session.users.find((user) => user.id === to)?.name ?? to;
    sendStatus.textContent = isPublic
      ? 'Sent to everyone: every open tab of every user gets it.'
      : `Sent privately to ${name}: only ${to === me.id ? 'your' : `${name}'s`} tabs get it.`;
    byId<HTMLInputElement>('message').value = '';
  });
} catch (error) {
  showBanner(error instanceof Error ? error.message : String(error));
  setStatus('closed');
}

/** "You are Alice", and links to act as each other fake user (in this tab or a new one). */
function renderIdentity(me: DemoUser, users: DemoUser[]): void {
  byId('me').textContent = me.name;
  document.title = `Notifications (${me.name}) · Herald demo`;
  const entries = users.map((user) => ({ id: user.id, label: user.name }));
  renderUserSwitcher(byId('switch-user'), entries, me.id, (id) => `?as=${encodeURIComponent(id)}`);
  const other = users.find((user) => user.id !== me.id);
  if (other !== undefined) {
    const open = byId<HTMLAnchorElement>('open-other');
    open.href = `?as=${encodeURIComponent(other.id)}`;
    open.textContent = `Open ${other.name}'s tab`;
  }
}

function fillRecipients(me: DemoUser, users: DemoUser[]): void {
  const options = [h('option', { value: EVERYONE }, 'Everyone (public)')];
  for (const user of users) {
    options.push(
      h('option', { value: user.id }, `${user.name} only${user.id === me.id ? ' (you)' : ''} · private`),
    );
  }
  byId('recipient').replaceChildren(...options);
  byId<HTMLInputElement>('message').maxLength = MAX_TEXT_LENGTH;
}

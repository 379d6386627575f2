import '../../shared/demo.css';
import './chat.css';
import { byId, h } from '../../shared/dom.js';
import { followConnection, markReady, mountLayout, showBanner } from '../../shared/layout.js';
import { DemoSession, userFromLocation } from '../../shared/session.js';
import { renderUserSwitcher, type SwitcherEntry } from '../../shared/user-switcher.js';
import { isAfter, loadLastRead, saveLastRead } from './last-read.js';
import { hueOf, MessageList } from './messages.js';
import type { Person } from './presence.js';
import { type ChatMessage, openRoom, type RoomStream } from './room-stream.js';

const ROOMS = [
  { id: 'general', about: 'Anything goes' },
  { id: 'random', about: 'Off topic' },
  { id: 'help', about: 'Questions about Herald' },
] as const;
type RoomId = (typeof ROOMS)[number]['id'];

/** `?as=reader`: a token with role `subscriber`, which reads the rooms and may not post. */
const READER = 'reader';

const DEFAULT_USER = 'alice';

const setConnection = mountLayout('chat');
/** Who this tab is: `?as=`, until the hub says there is no such user (then the default one). */
let who = userFromLocation(DEFAULT_USER);
const messages = new MessageList(byId<HTMLOListElement>('chat-messages'));
const input = byId<HTMLInputElement>('chat-input');
const status = byId('chat-status');

let room: RoomId = roomFrom(new URLSearchParams(location.search).get('room'));
let stream: RoomStream | undefined;
/** Bumped per room switch: a slow `openRoom` of a room already left closes what it opened. */
let generation = 0;
/** The newest message shown while the tab was hidden: read once the tab is seen again. */
let unseenId: string | undefined;

start().catch((error: unknown) => {
  setConnection('closed');
  showBanner(`The chat could not start: ${error instanceof Error ? error.message : String(error)}`);
});

async function start(): Promise<void> {
  const session = await openSession();
  const myName = session.user?.name ?? 'Reader';
  renderIdentities(session);
  renderRooms(session, myName);
  if (who === READER) {
    input.placeholder = 'Readers may not post: try anyway';
    byId('chat-presence-note').textContent = 'You are a reader: your token may subscribe but not publish.';
  }

  byId<HTMLFormElement>('chat-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text === '') return;
    const message: ChatMessage = { from: myName, text, atMs: Date.now() };
    const response = await session.publish({
      topic: session.topic(`chat/${room}`),
      type: 'chat',
      data: JSON.stringify(message),
    });
    if (response.ok) {
      input.value = '';
      status.textContent = '';
      return;
    }
    const reason = (await response.text()).trim();
    // A 403 says what this user may not do, rather than the hub's words about topics and claims.
    status.textContent =
      response.status === 403
        ? 'You can read this chat but not post to it: your token allows reading only (the hub answered 403).'
        : `The hub refused the message: ${response.status} ${reason || response.statusText}.`;
  });

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && unseenId !== undefined) {
      saveLastRead(who, room, unseenId);
      unseenId = undefined;
    }
  });

  await enterRoom(session, myName);
}

/** The reader's role, or the user asked for; an unknown user is the default one, with a banner. */
async function openSession(): Promise<DemoSession> {
  if (who === READER) return DemoSession.open({ name: 'Reader', role: 'subscriber' });
  const { session, fellBack } = await DemoSession.openAs(who, DEFAULT_USER);
  if (fellBack !== undefined) {
    who = session.user?.id ?? DEFAULT_USER;
    showBanner(fellBack);
  }
  return session;
}

async function enterRoom(session: DemoSession, myName: string): Promise<void> {
  const current = ++generation;
  stream?.close();
  stream = undefined;
  unseenId = undefined;
  const roomAtEntry = room;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('#chat-rooms a')) {
    if (link.dataset.room === room) link.setAttribute('aria-current', 'true');
    else link.removeAttribute('aria-current');
  }
  for (const link of document.querySelectorAll<HTMLAnchorElement>('#chat-users a')) {
    link.href = `?as=${link.dataset.user}&room=${room}`;
  }
  byId('room-title').textContent = `#${room}`;
  byId('room-topic').textContent = session.topic(`chat/${room}`);
  input.placeholder = who === READER ? input.placeholder : `Message #${room}`;
  messages.reset(room);
  renderPresence([], myName);
  // Read once, at entry: what the user had seen when they came back, not what they see now.
  const lastRead = loadLastRead(who, room);
  const opened = await openRoom(session, session.topic(`chat/${room}`), {
    onMessage(message, id, isHistory) {
      if (current !== generation) return;
      const isMine = message.from === myName;
      const isUnread = isHistory && !isMine && lastRead !== undefined && isAfter(id, lastRead);
      messages.add(message, id, { isMine, isUnread });
      if (document.visibilityState === 'visible') saveLastRead(who, roomAtEntry, id);
      else unseenId = id;
    },
    onPresence(people) {
      if (current === generation) renderPresence(people, myName);
    },
  });
  if (current !== generation) {
    opened.close();
    return;
  }
  stream = opened;
  if (!opened.hasPresence) {
    byId('chat-presence-note').textContent = 'Presence needs the hub’s subscriptions API (--subscriptions).';
  }
  followConnection(opened.source, setConnection);
  // The room opened its stream before it read the history: it is usually open already.
  const ready = () => markReady({ user: who, room: roomAtEntry });
  if (opened.source.readyState === 1) ready();
  else opened.source.addEventListener('open', ready, { once: true });
}

function renderIdentities(session: DemoSession): void {
  const identities: SwitcherEntry[] = [
    ...session.users.map((user) => ({ id: user.id, label: user.name })),
    { id: READER, label: 'Reader', title: 'A token with role subscriber: reads, may not post' },
  ];
  renderUserSwitcher(byId('chat-users'), identities, who, (id) => `?as=${id}&room=${room}`);
}

function renderRooms(session: DemoSession, myName: string): void {
  byId('chat-rooms').replaceChildren(
    ...ROOMS.map(({ id, about }) => {
      const link = h(
        'a',
        { href: `?as=${who}&room=${id}`, 'data-room': id },
        h('span', { class: 'chat-room-name' }, `#${id}`),
        h('small', {}, about),
      );
      link.addEventListener('click', (event) => {
        event.preventDefault();
        if (id === room) return;
        room = id;
        history.replaceState(null, '', `?as=${who}&room=${id}`);
        void enterRoom(session, myName).catch((error: unknown) => showBanner(String(error)));
      });
      return h('li', {}, link);
    }),
  );
}

function renderPresence(people: Person[], myName: string): void {
  byId('presence-title').textContent = `Online in #${room}`;
  const list = byId('chat-presence');
  if (people.length === 0) {
    list.replaceChildren(h('li', { class: 'chat-nobody' }, 'Nobody yet'));
    return;
  }
  list.replaceChildren(
    ...people.map((person) => {
      const notes = [
        person.name === myName ? 'you' : '',
        person.tabs > 1 ? `${person.tabs} tabs` : '',
        person.isReader ? 'reader' : '',
      ].filter(Boolean);
      return h(
        'li',
        { 'data-name': person.name, style: `--hue: ${hueOf(person.name)}` },
        h('span', { class: 'chat-online-dot', 'aria-hidden': 'true' }),
        person.name,
        ...(notes.length > 0 ? [' ', h('small', {}, `(${notes.join(', ')})`)] : []),
      );
    }),
  );
}

function roomFrom(value: string | null): RoomId {
  return ROOMS.find((candidate) => candidate.id === value)?.id ?? 'general';
}

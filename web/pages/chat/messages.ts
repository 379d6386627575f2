import { h } from '../../shared/dom.js';
import type { ChatMessage } from './room-stream.js';

/** Older messages are dropped from the page beyond this (the hub keeps its own history). */
const MAX_SHOWN = 300;
/** Within this many pixels of the bottom counts as "at the bottom": follow new messages then. */
const STICK_PX = 48;

const TIME = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const DAY_AND_TIME = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  hour: 'numeric',
  minute: '2-digit',
});

/**
 * The room's message list: own messages on the right, a divider before the first message that
 * arrived while this user was away, and scrolling that follows new messages unless the reader has
 * scrolled up to read older ones.
 */
export class MessageList {
  readonly #list: HTMLOListElement;
  #divider: HTMLLIElement | undefined;
  #unreadCount = 0;

  constructor(list: HTMLOListElement) {
    this.#list = list;
  }

  /** Empties the list for another room. */
  reset(roomName: string): void {
    this.#divider = undefined;
    this.#unreadCount = 0;
    this.#list.replaceChildren(
      h('li', { class: 'chat-empty' }, `No messages in #${roomName} yet. Say hello!`),
    );
  }

  get unreadCount(): number {
    return this.#unreadCount;
  }

  add(message: ChatMessage, id: string, options: { isMine: boolean; isUnread: boolean }): void {
    const wasAtBottom = this.#isAtBottom();
    this.#list.querySelector('.chat-empty')?.remove();
    if (options.isUnread) this.#countUnread();
    this.#list.append(renderMessage(message, id, options.isMine));
    while (this.#list.children.length > MAX_SHOWN) this.#list.firstElementChild?.remove();
    if (this.#divider?.isConnected) {
      // Returning: start at the marker, so what is new is what the reader sees first.
      if (options.isUnread) this.#list.scrollTop = this.#divider.offsetTop - this.#list.offsetTop - 8;
      else if (wasAtBottom || options.isMine) this.#scrollToBottom();
    } else if (wasAtBottom || options.isMine) {
      this.#scrollToBottom();
    }
  }

  #countUnread(): void {
    this.#unreadCount += 1;
    if (this.#divider === undefined) {
      this.#divider = h('li', { class: 'chat-divider' }, h('span'));
      this.#list.append(this.#divider);
    }
    this.#divider.firstElementChild?.replaceChildren(`${this.#unreadCount} new since your last visit`);
  }

  #isAtBottom(): boolean {
    const list = this.#list;
    return list.scrollHeight - list.scrollTop - list.clientHeight < STICK_PX;
  }

  #scrollToBottom(): void {
    this.#list.scrollTop = this.#list.scrollHeight;
  }
}

function renderMessage(message: ChatMessage, id: string, isMine: boolean): HTMLLIElement {
  const isToday = new Date(message.atMs).toDateString() === new Date().toDateString();
  const time = h(
    'time',
    { datetime: new Date(message.atMs).toISOString() },
    (isToday ? TIME : DAY_AND_TIME).format(message.atMs),
  );
  return h(
    'li',
    { class: isMine ? 'chat-msg mine' : 'chat-msg', 'data-id': id },
    h(
      'span',
      { class: 'chat-avatar', 'aria-hidden': 'true', style: `--hue: ${hueOf(message.from)}` },
      initialOf(message.from),
    ),
    h(
      'div',
      { class: 'chat-bubble' },
      h('div', { class: 'chat-meta' }, h('b', { class: 'chat-from' }, message.from), ' ', time),
      h('p', { class: 'chat-text' }, message.text),
    ),
  );
}

function initialOf(name: string): string {
  return (name.trim()[0] ?? '?').toUpperCase();
}

/** A stable colour per name, so people are easy to tell apart at a glance. */
export function hueOf(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) % 360;
  return hash;
}

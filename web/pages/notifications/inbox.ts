import { formatClock, h, prependBounded } from '../../shared/dom.js';
import { EVERYONE, LEVEL_ICONS, type Notice } from './notification.js';

const MAX_ITEMS = 50;

/** The list of received notifications and the bell: its badge counts the unread ones; a press reads them all. */
export class Inbox {
  readonly #list: HTMLElement;
  readonly #bell: HTMLButtonElement;
  readonly #badge: HTMLElement;
  readonly #empty: HTMLElement;
  #unread = 0;

  constructor(list: HTMLElement, bell: HTMLButtonElement, badge: HTMLElement, empty: HTMLElement) {
    this.#list = list;
    this.#bell = bell;
    this.#badge = badge;
    this.#empty = empty;
    bell.addEventListener('click', () => this.markAllRead());
    this.#render();
  }

  get unread(): number {
    return this.#unread;
  }

  add(notice: Notice, sender: string): void {
    const tag =
      notice.to === EVERYONE
        ? h('span', { class: 'tag-public' }, 'everyone')
        : h('span', { class: 'tag-private' }, 'private');
    const item = h(
      'li',
      { class: `unread level-${notice.level}` },
      // The same round level badge as the toasts.
      h('span', { class: 'toast-icon', 'aria-hidden': 'true' }, LEVEL_ICONS[notice.level]),
      h('span', { class: 'inbox-text' }, notice.text),
      h('small', {}, `${sender} · `, tag, ' · ', h('time', {}, formatClock(notice.sentAtMs))),
    );
    prependBounded(this.#list, item, MAX_ITEMS);
    this.#unread = Math.min(this.#unread + 1, MAX_ITEMS);
    this.#render();
  }

  markAllRead(): void {
    this.#unread = 0;
    for (const item of this.#list.querySelectorAll('.unread')) item.classList.remove('unread');
    this.#render();
  }

  #render(): void {
    this.#badge.textContent = String(this.#unread);
    this.#badge.hidden = this.#unread === 0;
    this.#bell.classList.toggle('ringing', this.#unread > 0);
    this.#bell.setAttribute(
      'aria-label',
      this.#unread === 0
        ? 'Notifications: none unread'
        : `Notifications: ${this.#unread} unread, mark all read`,
    );
    this.#empty.hidden = this.#list.children.length > 0;
  }
}

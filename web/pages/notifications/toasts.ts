import { h } from '../../shared/dom.js';
import { LEVEL_ICONS, type Notice } from './notification.js';

/** Long enough to read a sentence; the inbox keeps it afterwards. */
const TOAST_MS = 6_000;
const MAX_TOASTS = 4;

/**
 * Toasts in a polite live region (screen readers announce each one once). Each goes away on its
 * own after a few seconds, except while the pointer or the keyboard focus is on it, or with its
 * close button.
 */
export class Toasts {
  readonly #region: HTMLElement;

  constructor(region: HTMLElement) {
    this.#region = region;
  }

  show(notice: Notice, title: string): void {
    const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss' }, '×');
    const toast = h(
      'div',
      { class: `toast level-${notice.level}` },
      h('span', { class: 'toast-icon', 'aria-hidden': 'true' }, LEVEL_ICONS[notice.level]),
      h('div', { class: 'toast-body' }, h('strong', {}, title), h('p', {}, notice.text)),
      close,
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const dismiss = () => {
      clearTimeout(timer);
      // Focus would otherwise fall back to the page's start.
      if (toast.contains(document.activeElement)) document.getElementById('message')?.focus();
      toast.remove();
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(dismiss, TOAST_MS);
    };
    const hold = () => clearTimeout(timer);
    close.addEventListener('click', dismiss);
    toast.addEventListener('pointerenter', hold);
    toast.addEventListener('pointerleave', arm);
    toast.addEventListener('focusin', hold);
    toast.addEventListener('focusout', arm);
    this.#region.append(toast);
    while (this.#region.children.length > MAX_TOASTS) this.#region.firstElementChild?.remove();
    arm();
  }
}

import { h } from './dom.js';

export interface ToastsOptions {
  /** Long enough to read a sentence or two. Default 6 s. */
  durationMs?: number;
  /** Older toasts give way beyond this many. Default 4. */
  max?: number;
  /** Where the keyboard focus goes when a focused toast is dismissed (else it falls to the page's start). */
  returnFocusTo?: () => HTMLElement | null;
}

export interface ToastStyle {
  /** Classes of the toast itself (its colour, say `level-warning`). */
  className?: string;
  /** A short glyph shown in a round badge before the content. */
  icon?: string;
}

/**
 * Toasts in a polite live region (`<div class="toasts" aria-live="polite">`: screen readers
 * announce each one once). Each goes away on its own after `durationMs`, except while the pointer
 * or the keyboard focus is on it, or with its close button.
 */
export class Toasts {
  readonly #region: HTMLElement;
  readonly #options: ToastsOptions;
  /** Each shown toast's way out: the close button, its timer and eviction all take the same one. */
  readonly #dismissers = new WeakMap<Element, () => void>();

  constructor(region: HTMLElement, options: ToastsOptions = {}) {
    this.#region = region;
    this.#options = options;
  }

  show(content: Node | Node[], style: ToastStyle = {}): HTMLElement {
    const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss' }, '×');
    const toast = h(
      'div',
      { class: `toast ${style.className ?? ''}`.trim() },
      ...(style.icon === undefined
        ? []
        : [h('span', { class: 'toast-icon', 'aria-hidden': 'true' }, style.icon)]),
      h('div', { class: 'toast-body' }, ...(Array.isArray(content) ? content : [content])),
      close,
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    let isGone = false;
    const dismiss = () => {
      if (isGone) return;
      // First: moving the focus out below fires `focusout`, which must not re-arm the timer.
      isGone = true;
      clearTimeout(timer);
      this.#dismissers.delete(toast);
      if (toast.contains(document.activeElement)) this.#options.returnFocusTo?.()?.focus();
      toast.remove();
    };
    const arm = () => {
      clearTimeout(timer);
      if (isGone) return;
      timer = setTimeout(dismiss, this.#options.durationMs ?? 6_000);
    };
    const hold = () => clearTimeout(timer);
    close.addEventListener('click', dismiss);
    toast.addEventListener('pointerenter', hold);
    toast.addEventListener('pointerleave', arm);
    toast.addEventListener('focusin', hold);
    toast.addEventListener('focusout', arm);
    this.#dismissers.set(toast, dismiss);
    this.#region.append(toast);
    this.#evictBeyond(this.#options.max ?? 4);
    arm();
    return toast;
  }

  /**
   * The oldest give way, through their own dismiss: a timer left running would fire on a detached
   * node, and a focused toast dropped without it would leave the keyboard focus nowhere.
   */
  #evictBeyond(max: number): void {
    while (this.#region.children.length > max) {
      const oldest = this.#region.firstElementChild;
      if (oldest === null) return;
      const dismiss = this.#dismissers.get(oldest);
      if (dismiss === undefined) oldest.remove();
      else dismiss();
    }
  }
}

import { h } from './dom.js';

/** One identity a tab can act as: a fake user, or (in the chat) a role without a user. */
export interface SwitcherEntry {
  id: string;
  label: string;
  /** Shown on hover: what this identity may do. */
  title?: string;
}

/**
 * "You are [Alice] [Bob] …": the identities as links that reopen this page as another one
 * (`href(id)`), the current one marked `aria-current`. Fills a `<ul class="who-users">` inside a
 * `<nav class="who">`; plain links, so keyboard and middle-click (a second tab) just work.
 */
export function renderUserSwitcher(
  list: HTMLElement,
  entries: readonly SwitcherEntry[],
  currentId: string,
  href: (id: string) => string,
): void {
  list.replaceChildren(
    ...entries.map(({ id, label, title }) => {
      const link = h('a', { href: href(id), 'data-user': id }, label);
      if (id === currentId) link.setAttribute('aria-current', 'page');
      if (title !== undefined) link.title = title;
      return h('li', {}, link);
    }),
  );
}

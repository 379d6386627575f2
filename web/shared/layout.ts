import { byId, h } from './dom.js';

/** The demo's pages, in the order of the navigation bar. */
export const PAGES = [
  { path: '/', title: 'Overview' },
  { path: '/stocks', title: 'Stock ticker' },
  { path: '/notifications', title: 'Notifications' },
  { path: '/chat', title: 'Chat' },
  { path: '/meetings', title: 'Meetings' },
  { path: '/lab', title: 'Transport lab' },
] as const;

/** What a page exposes to the browser tests (and the curious) as `window.heraldDemo`. */
export interface DemoHandle {
  ready: boolean;
  page: string;
  /** Page-specific state for assertions. */
  state?: unknown;
}

declare global {
  interface Window {
    heraldDemo?: DemoHandle;
  }
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'offline';

const STATE_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
  offline: 'Offline (on purpose)',
};

/**
 * Draws the shared header (title, navigation with the current page marked, a connection status
 * pill) into `<header id="top">`, and returns a setter for the status pill.
 */
export function mountLayout(page: string): (state: ConnectionState, detail?: string) => void {
  const nav = h('nav', { 'aria-label': 'Demo pages' });
  for (const { path, title } of PAGES) {
    const link = h('a', { href: path }, title);
    if (path === location.pathname) link.setAttribute('aria-current', 'page');
    nav.append(link);
  }
  const status = h('span', { id: 'connection', class: 'connection', role: 'status', 'aria-live': 'polite' });
  byId('top').replaceChildren(
    h('a', { class: 'brand', href: '/' }, 'Herald', h('span', { class: 'tag' }, 'demo')),
    nav,
    status,
  );
  window.heraldDemo = { ready: false, page };
  return (state, detail) => {
    const text = detail === undefined ? STATE_TEXT[state] : `${STATE_TEXT[state]} · ${detail}`;
    // The pill is a polite live region and some pages refresh it several times a second: writing
    // the same text again can make a screen reader announce it again.
    if (status.dataset.state === state && status.textContent === text) return;
    status.dataset.state = state;
    status.textContent = text;
  };
}

/** Marks the page ready for tests once its first subscription is open. */
export function markReady(state?: unknown): void {
  window.heraldDemo = { ...(window.heraldDemo ?? { page: '' }), ready: true, state };
  document.body.classList.add('ready');
}

/** Shows a problem (no hub, no demo mode) at the top of the page instead of failing silently. */
export function showBanner(message: string): void {
  const banner = byId('banner');
  banner.textContent = message;
  banner.hidden = false;
}

/** The status a Herald `EventSource` (or `SharedEventSource`) is in, pushed to `set` as it changes. */
export function followConnection(
  source: EventTarget & { readyState: number },
  set: (state: ConnectionState, detail?: string) => void,
): void {
  const update = () =>
    set(source.readyState === 1 ? 'open' : source.readyState === 0 ? 'reconnecting' : 'closed');
  // A shared stream may be open already (another tab holds it, or the page waited for it).
  if (source.readyState === 0) set('connecting');
  else update();
  source.addEventListener('open', update);
  source.addEventListener('error', update);
}

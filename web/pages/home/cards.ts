import { h } from '../../shared/dom.js';
import { PAGES } from '../../shared/layout.js';

/** One line per page: what a newcomer will see there. Titles come from the navigation bar. */
const LINES: Record<string, string> = {
  '/stocks':
    '20 invented symbols at 10 updates a second in a live table and chart; drop the network and the missed prices arrive on reconnect.',
  '/notifications':
    'Send a notification and watch it land; a private one reaches only the user it is addressed to, in whichever tab they have open.',
  '/chat': 'Rooms, messages and presence over one stream, and the history you missed when you come back.',
  '/meetings':
    "Book a meeting at a wall time in one zone, see it in every participant's zone, and get the reminder the hub delivers on schedule.",
  '/lab':
    'The same feed over short polling, long polling and SSE side by side: requests, bytes and latency, and what they mean.',
};

/** A card per demo page (every page of the navigation except this one). */
export function pageCards(): HTMLLIElement[] {
  return PAGES.filter(({ path }) => path !== '/').map(({ path, title }) =>
    h(
      'li',
      { class: 'card home-card' },
      h('h3', {}, h('a', { href: path }, title)),
      h('p', {}, LINES[path] ?? ''),
      h('span', { class: 'home-path', 'aria-hidden': 'true' }, path),
    ),
  );
}

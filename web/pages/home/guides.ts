import { h } from '../../shared/dom.js';

/** Where the guides live in the repository. The demo serves no documentation: they are named, not linked. */
export const GUIDES_DIR = 'docs/learn/';

/** The learning guides, in reading order, each a Markdown file of `GUIDES_DIR`; titles as the guides number them. */
export const GUIDES = [
  { file: 'index.md', title: 'Start here' },
  { file: 'sse-from-the-bytes-up.md', title: '1. SSE from the bytes up' },
  { file: 'polling-long-polling-sse.md', title: '2. Short polling, long polling, SSE' },
  { file: 'six-connections.md', title: '3. The six-connection limit' },
  { file: 'time-on-the-wire.md', title: '4. Time on the wire' },
  { file: 'date-time-bugs.md', title: '5. Date and time bugs in real systems' },
  { file: 'use-cases.md', title: '6. Three use cases, end to end' },
] as const;

/** One item per guide: its title and its path in the repository. */
export function guideItems(): HTMLLIElement[] {
  return GUIDES.map(({ file, title }) =>
    h(
      'li',
      { 'data-file': file },
      h('span', { class: 'home-guide-title' }, title),
      ' ',
      h('code', { class: 'home-guide-path' }, `${GUIDES_DIR}${file}`),
    ),
  );
}

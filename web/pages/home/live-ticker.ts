import { EventSource, hubUrl } from '../../../src/client/index.js';
import { byId, formatClock } from '../../shared/dom.js';
import {
  changePct,
  directionOf,
  formatChange,
  formatDollars,
  type Price,
  parsePrice,
} from '../stocks/prices.js';

/** What the page shows (and the test reads): updates received and the latest one. */
export interface TickerState {
  updates: number;
  last?: Price;
}

/**
 * The page's one stream: every price the demo's ticker publishes (10 a second while someone
 * listens) on `topic` (a template matching each symbol's topic), shown as the latest move. Not an
 * `aria-live` region: ten announcements a second would drown a screen reader; the counter says
 * it is moving. An event that is no price the page can show is skipped.
 */
export function startLiveTicker(topic: string, state: TickerState): EventSource {
  const source = new EventSource(hubUrl('/', { topics: [topic] }));
  const symbol = byId('home-symbol');
  const price = byId('home-price');
  const change = byId('home-change');
  const updates = byId('home-updates');
  const last = byId('home-last');
  source.addEventListener('price', (event) => {
    const next = parsePrice((event as MessageEvent<string>).data);
    if (next === undefined) return;
    state.updates += 1;
    state.last = next;
    const pct = changePct(next);
    symbol.textContent = next.symbol;
    price.textContent = formatDollars(next.priceCents);
    change.textContent = `${formatChange(pct)} today`;
    change.className = directionOf(pct);
    updates.textContent = String(state.updates);
    last.textContent = `, the latest at ${formatClock(next.atMs)}`;
  });
  return source;
}

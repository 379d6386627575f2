import type { SharedEventSource } from '../../../src/client/index.js';
import { byId, formatClock } from '../../shared/dom.js';
import { openStockStream } from '../../shared/streams.js';
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
  /** Ids of the latest updates (the newest `MAX_IDS`), newest last. */
  ids: string[];
}

const MAX_IDS = 100;

/**
 * The page's one stream, shared with the other price tabs of this browser (`openStockStream`):
 * every price the demo's ticker publishes (10 a second while someone listens) on `topic` (a
 * template matching each symbol's topic), shown as the latest move. Not an
 * `aria-live` region: ten announcements a second would drown a screen reader; the counter says
 * it is moving. An event that is no price the page can show is skipped.
 */
export function startLiveTicker(topic: string, state: TickerState): SharedEventSource {
  const source = openStockStream(topic);
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
    state.ids.push((event as MessageEvent<string>).lastEventId);
    if (state.ids.length > MAX_IDS) state.ids.shift();
    const pct = changePct(next);
    symbol.textContent = next.symbol;
    price.textContent = formatDollars(next.priceCents);
    change.textContent = `${formatChange(pct)} since open`;
    change.className = directionOf(pct);
    updates.textContent = String(state.updates);
    last.textContent = `, the latest at ${formatClock(next.atMs)}`;
  });
  return source;
}

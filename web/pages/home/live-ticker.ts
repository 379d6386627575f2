import { EventSource, hubUrl } from '../../../src/client/index.js';
import { byId, formatClock } from '../../shared/dom.js';

/** The demo ticker's topics (src/http/demo-ticker.ts): one per symbol, all matched by a template. */
const STOCK_TOPICS = 'https://demo.herald.dev/stocks/{symbol}';

interface Price {
  symbol: string;
  priceCents: number;
  openCents: number;
  atMs: number;
}

/** What the page shows (and the test reads): updates received and the latest one. */
export interface TickerState {
  updates: number;
  last?: Price;
}

/**
 * The page's one stream: every price the demo's ticker publishes (10 a second while someone
 * listens), shown as the latest move. Not an `aria-live` region: ten announcements a second would
 * drown a screen reader; the counter says it is moving.
 */
export function startLiveTicker(state: TickerState): EventSource {
  const source = new EventSource(hubUrl('/', { topics: [STOCK_TOPICS] }));
  const symbol = byId('home-symbol');
  const price = byId('home-price');
  const change = byId('home-change');
  const updates = byId('home-updates');
  const last = byId('home-last');
  source.addEventListener('price', (event) => {
    const next = JSON.parse((event as MessageEvent<string>).data) as Price;
    state.updates += 1;
    state.last = next;
    const deltaPct = ((next.priceCents - next.openCents) / next.openCents) * 100;
    symbol.textContent = next.symbol;
    price.textContent = `$${(next.priceCents / 100).toFixed(2)}`;
    change.textContent = `${deltaPct >= 0 ? '▲' : '▼'} ${Math.abs(deltaPct).toFixed(2)}% today`;
    change.className = deltaPct >= 0 ? 'up' : 'down';
    updates.textContent = String(state.updates);
    last.textContent = `, the latest at ${formatClock(next.atMs)}`;
  });
  return source;
}

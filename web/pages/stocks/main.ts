import '../../shared/demo.css';
import './stocks.css';
import { byId } from '../../shared/dom.js';
import { type ConnectionState, markReady, mountLayout, showBanner } from '../../shared/layout.js';
import { DemoSession } from '../../shared/session.js';
import { PriceChart } from './price-chart.js';
import { PriceTable } from './price-table.js';
import { changePct, directionOf, formatChange, formatDollars, type Price, SymbolSet } from './prices.js';
import { fetchSnapshot } from './snapshot.js';
import { type CatchUp, TickerFeed } from './ticker-feed.js';

/** What the browser tests read (`window.heraldDemo.state`); updated in place. */
export interface StocksState {
  /** Price events received, catch-ups included. */
  received: number;
  /** Event ids in arrival order (the newest `MAX_IDS`): the tests check them against the hub's history. */
  ids: string[];
  /** Ids that arrived a second time (the hub and client promise none). */
  duplicates: number;
  /** Prices for symbols that are not the ticker's (anyone with a demo token may publish one): not shown. */
  ignored: number;
  symbols: number;
  selected: string;
  chartPoints: number;
  isOffline: boolean;
  /** The latest reconnection's catch-up, once there was one. */
  catchUp: CatchUp | null;
}

const MAX_IDS = 5_000;

const setStatus = mountLayout('stocks');
const state: StocksState = {
  received: 0,
  ids: [],
  duplicates: 0,
  ignored: 0,
  symbols: 0,
  selected: '',
  chartPoints: 0,
  isOffline: false,
  catchUp: null,
};
const seenIds = new Set<string>();
const latest = new Map<string, Price>();
/** Arrival times of the last second's events: the events/s figure. */
const arrivals: number[] = [];
/** Replaced by the snapshot's symbols before the stream starts. */
let shownSymbols = new SymbolSet([]);
/** The page is ready for tests once the snapshot is drawn and the stream is open. */
let isSnapshotDrawn = false;
let connectionNow: ConnectionState = 'connecting';

const dropButton = byId<HTMLButtonElement>('drop');
const reconnectButton = byId<HTMLButtonElement>('reconnect');
const catchUpText = byId('catch-up');
const chart = new PriceChart(byId('chart'));
const table = new PriceTable(byId<HTMLTableSectionElement>('quotes'), (symbol) => {
  state.selected = symbol;
  chart.show(symbol);
  renderQuote();
});

try {
  // The session says where the demo's topics live (and fails clearly when the hub is not in demo
  // mode); the stock topics are public, so the stream itself needs no token.
  const session = await DemoSession.open({ name: 'Stock watcher', role: 'subscriber' });
  const feed = new TickerFeed(session.topic('stocks/{symbol}'), {
    price: onPrice,
    connection: onConnection,
    catchUp: onCatchUp,
  });
  dropButton.addEventListener('click', () => {
    feed.drop();
    chart.openGap(Date.now());
    dropButton.hidden = true;
    reconnectButton.hidden = false;
    // The pressed button disappears: keep keyboard users where the next step is.
    reconnectButton.focus();
    catchUpText.textContent =
      'Offline on purpose. The ticker goes on publishing; the hub keeps every price in its history.';
  });
  // Not disabled while it reconnects: a disabled button drops the keyboard focus. The feed
  // ignores a second click.
  reconnectButton.addEventListener('click', () => void feed.reconnect());
  // Join the stream first (its prices are held), draw the prices as they are now, then go on with
  // the held prices published after them: the stream is shared with other tabs and live wherever
  // this tab joins it, so it cannot be asked to resume from the snapshot's id.
  await feed.start();
  const snapshot = await fetchSnapshot();
  shownSymbols = new SymbolSet(snapshot.prices.map((price) => price.symbol));
  for (const price of snapshot.prices) showPrice(price, false);
  feed.release(snapshot.lastEventId);
  isSnapshotDrawn = true;
  // A cast: TypeScript cannot see that `onConnection` changed it during the awaits above.
  if ((connectionNow as ConnectionState) === 'open') markReady(state);
  setInterval(() => renderRate(feed), 500);
} catch (error) {
  showBanner(error instanceof Error ? error.message : String(error));
  setStatus('closed');
}

function onPrice(price: Price, id: string, isCatchUp: boolean): void {
  if (seenIds.has(id)) {
    state.duplicates += 1;
    return;
  }
  seenIds.add(id);
  state.ids.push(id);
  if (state.ids.length > MAX_IDS) seenIds.delete(state.ids.shift() ?? '');
  if (!shownSymbols.admit(price.symbol)) {
    state.ignored += 1;
    return;
  }
  state.received += 1;
  arrivals.push(performance.now());
  showPrice(price, isCatchUp);
  if (isCatchUp && state.catchUp !== null) {
    state.catchUp.count += 1;
    catchUpText.textContent = `Catching up… ${plural(state.catchUp.count, 'missed price')} so far`;
  }
}

/** Table, chart and quote for one price, whether from the snapshot or the stream. */
function showPrice(price: Price, isCatchUp: boolean): void {
  latest.set(price.symbol, price);
  table.update(price, isCatchUp);
  chart.add(price, isCatchUp);
  if (state.symbols !== table.size) {
    state.symbols = table.size;
    byId('stat-symbols').textContent = String(state.symbols);
  }
  if (table.selected === '') table.select(price.symbol);
  if (price.symbol === table.selected) renderQuote();
  state.chartPoints = chart.pointCount;
}

function onConnection(connection: ConnectionState): void {
  setStatus(connection);
  connectionNow = connection;
  state.isOffline = connection === 'offline';
  if (connection === 'open') {
    if (isSnapshotDrawn) markReady(state);
    if (!reconnectButton.hidden) {
      const hadFocus = document.activeElement === reconnectButton;
      reconnectButton.hidden = true;
      dropButton.hidden = false;
      if (hadFocus) dropButton.focus();
    }
  }
}

function onCatchUp(catchUp: CatchUp): void {
  state.catchUp = { ...catchUp };
  chart.closeGap(catchUp.fromServerMs, catchUp.toServerMs);
  if (!catchUp.isDone) {
    catchUpText.textContent = `Reconnecting after ${seconds(catchUp.offlineMs)} offline…`;
    return;
  }
  catchUpText.textContent =
    catchUp.count === 0
      ? `Back after ${seconds(catchUp.offlineMs)} offline: nothing was published meanwhile.`
      : `Caught up ${plural(catchUp.count, 'price')} missed while offline for ${seconds(catchUp.offlineMs)}, ` +
        'replayed by the hub after the last event id seen; they are marked in amber.';
}

function renderQuote(): void {
  const price = latest.get(table.selected);
  byId('chart-symbol').textContent = table.selected;
  if (price === undefined) return;
  const pct = changePct(price);
  byId('chart-price').textContent = formatDollars(price.priceCents);
  const change = byId('chart-change');
  change.textContent = `${formatChange(pct)} since open`;
  change.className = `quote-change ${directionOf(pct)}`;
}

function renderRate(feed: TickerFeed): void {
  const cutoff = performance.now() - 1_000;
  while ((arrivals[0] ?? Number.POSITIVE_INFINITY) < cutoff) arrivals.shift();
  byId('stat-rate').textContent = String(arrivals.length);
  byId('stat-received').textContent = state.received.toLocaleString('en-US');
  byId('stat-symbols').textContent = String(state.symbols);
  const since = feed.offlineSinceMs;
  byId('stat-offline').textContent = since === undefined ? '—' : seconds(Date.now() - since);
}

function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

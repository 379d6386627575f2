import type { SharedEventSource } from '../../../src/client/index.js';
import { byId } from '../../shared/dom.js';

const POINTS = 60;

/** Card 2: the hub's own ticker (demo mode) publishes a price every second; a sparkline follows. */
export function startStock(feed: SharedEventSource): void {
  const prices: number[] = [];
  const price = byId('stock-price');
  const change = byId('stock-change');
  const line = byId('sparkline-line');
  const area = byId('sparkline-area');
  feed.addEventListener('price', (event) => {
    const { priceCents } = JSON.parse((event as MessageEvent<string>).data) as { priceCents: number };
    prices.push(priceCents / 100);
    if (prices.length > POINTS) prices.shift();
    const first = prices[0] ?? 0;
    const last = priceCents / 100;
    price.textContent = `$${last.toFixed(2)}`;
    const deltaPct = first === 0 ? 0 : ((last - first) / first) * 100;
    change.textContent = `${deltaPct >= 0 ? '▲' : '▼'} ${Math.abs(deltaPct).toFixed(2)}% (1 min)`;
    change.className = deltaPct >= 0 ? 'up' : 'down';
    const points = sparkline(prices, 300, 80);
    line.setAttribute('points', points);
    area.setAttribute('points', `0,80 ${points} ${((prices.length - 1) / (POINTS - 1)) * 300},80`);
  });
}

/** SVG polyline points scaled into a width × height box (min at the bottom, max at the top). */
function sparkline(values: number[], width: number, height: number): string {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  return values
    .map(
      (value, i) =>
        `${((i / (POINTS - 1)) * width).toFixed(1)},${(height - 4 - ((value - min) / span) * (height - 8)).toFixed(1)}`,
    )
    .join(' ');
}

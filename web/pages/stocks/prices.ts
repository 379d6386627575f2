import { isShowableTime, parseJsonObject } from '../../shared/dom.js';

/** What each `price` event of the hub's demo ticker carries (src/http/demo-ticker.ts). */
export interface Price {
  symbol: string;
  priceCents: number;
  /** The symbol's price when the ticker started: the day's change is measured against it. */
  openCents: number;
  /** When the hub published it, by the hub's clock. */
  atMs: number;
}

/** The event's data as a `Price`, or `undefined` when it is not one (a page never trusts a stream). */
export function parsePrice(data: string): Price | undefined {
  const value = parseJsonObject(data);
  if (value === undefined) return undefined;
  const { symbol, priceCents, openCents, atMs } = value;
  if (typeof symbol !== 'string' || !/^[A-Z]{1,8}$/.test(symbol)) return undefined;
  // Prices to divide by and draw, a time to format: anything else would throw or show NaN.
  if (!isPositive(priceCents) || !isPositive(openCents) || !isShowableTime(atMs)) return undefined;
  return { symbol, priceCents, openCents, atMs };
}

/** Without a snapshot to say which symbols exist, the page shows at most this many. */
export const MAX_SYMBOLS = 50;

/**
 * The symbols the page shows: the snapshot's, or without one (an older hub, a failed fetch) the
 * first `MAX_SYMBOLS` that arrive. Anyone with a demo token may publish a price for any symbol:
 * without this, forged symbols would each add a table row and a chart history.
 */
export class SymbolSet {
  readonly #known: Set<string>;
  readonly #isFixed: boolean;

  constructor(snapshotSymbols: readonly string[]) {
    this.#known = new Set(snapshotSymbols);
    this.#isFixed = this.#known.size > 0;
  }

  /** Whether a price for `symbol` is shown (and, without a snapshot, room is taken for it). */
  admit(symbol: string): boolean {
    if (this.#known.has(symbol)) return true;
    if (this.#isFixed || this.#known.size >= MAX_SYMBOLS) return false;
    this.#known.add(symbol);
    return true;
  }
}

function isPositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

const DOLLARS = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

export function formatDollars(cents: number): string {
  return DOLLARS.format(cents / 100);
}

/** Change against the open in percent. */
export function changePct(price: Price): number {
  return price.openCents === 0 ? 0 : ((price.priceCents - price.openCents) / price.openCents) * 100;
}

/** `▲ 1.23%`: an arrow as well as a colour, so the direction does not depend on seeing red and green. */
export function formatChange(pct: number): string {
  const rounded = Math.abs(pct).toFixed(2);
  if (rounded === '0.00') return '0.00%';
  return `${pct > 0 ? '▲' : '▼'} ${rounded}%`;
}

export function directionOf(pct: number): 'up' | 'down' | 'flat' {
  if (Math.abs(pct) < 0.005) return 'flat';
  return pct > 0 ? 'up' : 'down';
}

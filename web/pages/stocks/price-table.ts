import { formatClock, h } from '../../shared/dom.js';
import { changePct, directionOf, formatChange, formatDollars, type Price } from './prices.js';

interface Row {
  row: HTMLTableRowElement;
  button: HTMLButtonElement;
  price: HTMLTableCellElement;
  change: HTMLTableCellElement;
  time: HTMLTableCellElement;
}

const FLASH: Record<'up' | 'down' | 'flat' | 'catchUp', string> = {
  up: 'rgb(15 157 88 / 22%)',
  down: 'rgb(217 48 37 / 18%)',
  flat: 'rgb(93 104 129 / 12%)',
  catchUp: 'rgb(224 151 0 / 30%)',
};

/**
 * The live table: one row per symbol, in alphabetical order, added as each symbol's first price
 * arrives. The symbol cell is a real button (Tab, Enter, Space); the arrow keys, Home and End move
 * the selection between rows, and a click anywhere on a row selects it.
 */
export class PriceTable {
  readonly #body: HTMLTableSectionElement;
  readonly #rows = new Map<string, Row>();
  readonly #onSelect: (symbol: string) => void;
  readonly #isMotionReduced = matchMedia('(prefers-reduced-motion: reduce)').matches;
  #selected = '';

  constructor(body: HTMLTableSectionElement, onSelect: (symbol: string) => void) {
    this.#body = body;
    this.#onSelect = onSelect;
    body.addEventListener('click', (event) => {
      const row = (event.target as Element).closest('tr');
      const symbol = row?.dataset.symbol;
      if (symbol !== undefined) this.select(symbol);
    });
    body.addEventListener('keydown', (event) => this.#onKey(event));
  }

  get size(): number {
    return this.#rows.size;
  }

  get selected(): string {
    return this.#selected;
  }

  update(price: Price, isCatchUp: boolean): void {
    const row = this.#rows.get(price.symbol) ?? this.#add(price.symbol);
    const pct = changePct(price);
    const direction = directionOf(pct);
    row.price.textContent = formatDollars(price.priceCents);
    row.change.textContent = formatChange(pct);
    row.change.className = `num ${direction}`;
    row.time.textContent = formatClock(price.atMs);
    // A replayed price stays marked until the symbol's next live one.
    row.row.classList.toggle('caught-up', isCatchUp);
    if (!this.#isMotionReduced) {
      row.price.animate(
        [{ backgroundColor: FLASH[isCatchUp ? 'catchUp' : direction] }, { backgroundColor: 'transparent' }],
        { duration: 700, easing: 'ease-out' },
      );
    }
  }

  select(symbol: string, focus = false): void {
    const row = this.#rows.get(symbol);
    if (row === undefined) return;
    const previous = this.#rows.get(this.#selected);
    if (previous !== undefined) {
      previous.row.classList.remove('selected');
      previous.button.setAttribute('aria-pressed', 'false');
    }
    row.row.classList.add('selected');
    row.button.setAttribute('aria-pressed', 'true');
    if (focus) row.button.focus();
    if (symbol === this.#selected) return;
    this.#selected = symbol;
    this.#onSelect(symbol);
  }

  #add(symbol: string): Row {
    const button = h('button', { type: 'button', class: 'symbol-button', 'aria-pressed': 'false' }, symbol);
    const price = h('td', { class: 'num price-cell' }, '');
    const change = h('td', { class: 'num' }, '');
    const time = h('td', { class: 'num time-cell' }, '');
    const row = h('tr', {}, h('th', { scope: 'row' }, button), price, change, time);
    row.dataset.symbol = symbol;
    const entry = { row, button, price, change, time };
    this.#rows.set(symbol, entry);
    const next = [...this.#rows.keys()].filter((other) => other > symbol).sort()[0];
    this.#body.insertBefore(row, next === undefined ? null : (this.#rows.get(next)?.row ?? null));
    return entry;
  }

  #onKey(event: KeyboardEvent): void {
    if (!(event.target instanceof HTMLButtonElement)) return;
    const symbols = [...this.#rows.keys()].sort();
    const at = symbols.indexOf(event.target.closest('tr')?.dataset.symbol ?? '');
    if (at < 0) return;
    const target =
      event.key === 'ArrowDown'
        ? symbols[Math.min(at + 1, symbols.length - 1)]
        : event.key === 'ArrowUp'
          ? symbols[Math.max(at - 1, 0)]
          : event.key === 'Home'
            ? symbols[0]
            : event.key === 'End'
              ? symbols[symbols.length - 1]
              : undefined;
    if (target === undefined) return;
    event.preventDefault();
    this.select(target, true);
  }
}

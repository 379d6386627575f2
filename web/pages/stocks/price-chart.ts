import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatClock } from '../../shared/dom.js';
import type { Price } from './prices.js';

/** One symbol's history since the page opened: x in Unix seconds (uPlot's time scale), y in dollars. */
interface History {
  xs: number[];
  ys: number[];
  /** The price again where it arrived in a catch-up, else null: drawn as dots over the line. */
  caughtUp: (number | null)[];
}

/** A time span the page was offline, by the hub's clock (seconds); open while `toS` is undefined. */
interface Gap {
  fromS: number;
  toS: number | undefined;
}

/** The chart shows the last few minutes; older points are kept up to a bound, then dropped. */
const WINDOW_S = 180;
const MAX_POINTS = 1_500;
const MIN_SPAN_S = 30;
/** Offline spans kept for shading: one per drop, older ones are long off the chart. */
const MAX_GAPS = 10;

const COLORS = {
  line: '#4f46e5',
  fill: 'rgb(79 70 229 / 8%)',
  caughtUp: '#e09700',
  gap: 'rgb(217 48 37 / 8%)',
  gapText: '#b3261e',
  axis: '#5d6881',
  grid: '#e2e6ef',
};

/**
 * A uPlot line chart of the selected symbol. Prices caught up after a reconnection are dots in
 * amber, and the offline span is shaded: the dots fill the gap the drop left.
 */
export class PriceChart {
  readonly #container: HTMLElement;
  readonly #histories = new Map<string, History>();
  readonly #gaps: Gap[] = [];
  readonly #plot: uPlot;
  #symbol = '';
  #isDrawPending = false;

  constructor(container: HTMLElement) {
    this.#container = container;
    this.#plot = new uPlot(this.#options(), [[], [], []], container);
    new ResizeObserver(() => this.#resize()).observe(container);
    // The held price's line grows with the clock, between prices too.
    setInterval(() => this.#scheduleDraw(), 1_000);
  }

  /** Points of the selected symbol (for the page's test state). */
  get pointCount(): number {
    return this.#histories.get(this.#symbol)?.xs.length ?? 0;
  }

  add(price: Price, isCatchUp: boolean): void {
    let history = this.#histories.get(price.symbol);
    if (history === undefined) {
      history = { xs: [], ys: [], caughtUp: [] };
      this.#histories.set(price.symbol, history);
    }
    const dollars = price.priceCents / 100;
    history.xs.push(price.atMs / 1000);
    history.ys.push(dollars);
    history.caughtUp.push(isCatchUp ? dollars : null);
    if (history.xs.length > MAX_POINTS) {
      // In batches: one splice per hundred points rather than a shift per point.
      const excess = history.xs.length - MAX_POINTS + 100;
      history.xs.splice(0, excess);
      history.ys.splice(0, excess);
      history.caughtUp.splice(0, excess);
    }
    if (price.symbol === this.#symbol) this.#scheduleDraw();
  }

  show(symbol: string): void {
    this.#symbol = symbol;
    this.#scheduleDraw();
  }

  openGap(fromMs: number): void {
    this.#gaps.push({ fromS: fromMs / 1000, toS: undefined });
    if (this.#gaps.length > MAX_GAPS) this.#gaps.shift();
    this.#plot.redraw(false, false);
  }

  closeGap(fromMs: number, toMs: number): void {
    const open = this.#gaps.find((gap) => gap.toS === undefined);
    if (open === undefined) {
      this.#gaps.push({ fromS: fromMs / 1000, toS: toMs / 1000 });
      if (this.#gaps.length > MAX_GAPS) this.#gaps.shift();
    } else {
      // Both ends on the hub's clock, as the prices are.
      open.fromS = fromMs / 1000;
      open.toS = toMs / 1000;
    }
    this.#scheduleDraw();
  }

  /** At most one redraw per frame, however many prices arrive in it (a catch-up brings dozens). */
  #scheduleDraw(): void {
    if (this.#isDrawPending) return;
    this.#isDrawPending = true;
    requestAnimationFrame(() => {
      this.#isDrawPending = false;
      this.#draw();
    });
  }

  #draw(): void {
    const history = this.#histories.get(this.#symbol);
    const count = history?.xs.length ?? 0;
    if (history === undefined || count === 0) {
      this.#plot.setData([[], [], []]);
      return;
    }
    // A price holds until the next one: the line runs on to now, and a price set before the
    // window shows from the window's start. So a symbol that has not moved since the snapshot
    // still has its line, not an empty chart.
    const lastS = history.xs[count - 1] ?? 0;
    const endS = Math.max(lastS, Date.now() / 1000);
    const startS = endS - WINDOW_S;
    let from = 0;
    while (from < count && (history.xs[from] ?? 0) < startS) from += 1;
    const xs = history.xs.slice(from);
    const ys = history.ys.slice(from);
    const caughtUp = history.caughtUp.slice(from);
    if (from > 0) {
      xs.unshift(startS);
      ys.unshift(history.ys[from - 1] ?? 0);
      caughtUp.unshift(null);
    }
    if (endS > lastS) {
      xs.push(endS);
      ys.push(history.ys[count - 1] ?? 0);
      caughtUp.push(null);
    }
    this.#plot.setData([xs, ys, caughtUp]);
  }

  #resize(): void {
    const width = Math.floor(this.#container.clientWidth);
    if (width > 0 && width !== this.#plot.width) this.#plot.setSize({ width, height: chartHeight() });
  }

  #options(): uPlot.Options {
    const axis = {
      stroke: COLORS.axis,
      grid: { stroke: COLORS.grid, width: 1 },
      ticks: { stroke: COLORS.grid, width: 1 },
      font: '12px system-ui, sans-serif',
    };
    return {
      width: Math.max(200, Math.floor(this.#container.clientWidth)),
      height: chartHeight(),
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: {
          time: true,
          // At least half a minute wide: the first seconds' few points would otherwise get
          // millisecond ticks.
          range: (_plot, min, max) => [Math.min(min, max - MIN_SPAN_S), max],
        },
        y: {
          // Around the prices, at least ±0.5% of them: a price that has not moved yet is a flat
          // line in the middle, not a line at the top of a $0-to-double scale.
          range: (_plot, min, max) => {
            const pad = Math.max((max - min) * 0.1, ((min + max) / 2) * 0.005);
            return [min - pad, max + pad];
          },
        },
      },
      axes: [
        { ...axis, space: 90, values: (_plot, ticks) => ticks.map((tick) => formatClock(tick * 1000)) },
        { ...axis, size: 72, values: (_plot, ticks) => ticks.map((tick) => `$${tick.toFixed(2)}`) },
      ],
      series: [
        {},
        { label: 'Price', stroke: COLORS.line, fill: COLORS.fill, width: 2, points: { show: false } },
        {
          label: 'Caught up after reconnecting',
          stroke: COLORS.caughtUp,
          // Dots only: the line above already joins them.
          paths: () => null,
          points: { show: true, size: 7, width: 1, fill: COLORS.caughtUp, stroke: '#ffffff' },
        },
      ],
      hooks: { drawClear: [(plot) => this.#drawGaps(plot)] },
    };
  }

  /** Shades the offline spans behind the series (drawClear runs before axes and lines). */
  #drawGaps(plot: uPlot): void {
    const { ctx, bbox } = plot;
    const ratio = window.devicePixelRatio || 1;
    for (const gap of this.#gaps) {
      const left = Math.max(bbox.left, plot.valToPos(gap.fromS, 'x', true));
      const right =
        gap.toS === undefined
          ? bbox.left + bbox.width
          : Math.min(bbox.left + bbox.width, plot.valToPos(gap.toS, 'x', true));
      if (!(right > left)) continue;
      ctx.save();
      ctx.fillStyle = COLORS.gap;
      ctx.fillRect(left, bbox.top, right - left, bbox.height);
      if (right - left > 44 * ratio) {
        ctx.fillStyle = COLORS.gapText;
        ctx.font = `${11 * ratio}px system-ui, sans-serif`;
        ctx.fillText('offline', left + 4 * ratio, bbox.top + 14 * ratio);
      }
      ctx.restore();
    }
  }
}

function chartHeight(): number {
  return window.innerWidth < 640 ? 220 : 300;
}

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TransportName } from '../../../src/client/index.js';

/** The panes' colours, shared by the chart lines and the pane borders (lab.css). */
export const COLORS: Record<TransportName | 'published', string> = {
  'short-poll': '#d97706',
  'long-poll': '#0f9d58',
  sse: '#4f46e5',
  published: '#8a93a8',
};

/** Columns of the chart: seconds since Start, events published, requests per transport. */
export type Samples = [number[], number[], number[], number[], number[]];

export function emptySamples(): Samples {
  return [[], [], [], [], []];
}

const HEIGHT_PX = 230;

/**
 * Cumulative requests per transport over the run, against events published: short polling climbs
 * with the clock, long polling with the events, SSE stays at one.
 */
export function createRequestsChart(container: HTMLElement): { draw(samples: Samples): void } {
  const line = (label: string, stroke: string, dash?: number[]): uPlot.Series => ({
    label,
    stroke,
    width: 2,
    ...(dash ? { dash } : {}),
    points: { show: false },
    value: (_chart, value) => (value === null ? '–' : String(value)),
  });
  const chart = new uPlot(
    {
      width: widthOf(container),
      height: HEIGHT_PX,
      scales: { x: { time: false }, y: { range: (_chart, _min, max) => [0, Math.max(5, max)] } },
      axes: [
        { label: 'seconds since Start', labelSize: 20, size: 36 },
        { label: 'count', labelSize: 20, size: 44 },
      ],
      series: [
        { label: 's', value: (_chart, value) => (value === null ? '–' : value.toFixed(1)) },
        line('events published', COLORS.published, [6, 4]),
        line('short-poll requests', COLORS['short-poll']),
        line('long-poll requests', COLORS['long-poll']),
        line('SSE requests', COLORS.sse),
      ],
      cursor: { drag: { x: false, y: false } },
      // The numbers are in the panes: the legend names the lines, without values that read "–".
      legend: { live: false },
    },
    emptySamples(),
    container,
  );
  // uPlot draws at a fixed size: follow the card's width (the panes stack on a phone).
  new ResizeObserver(() => {
    const width = widthOf(container);
    if (width !== chart.width) chart.setSize({ width, height: HEIGHT_PX });
  }).observe(container);
  return { draw: (samples) => chart.setData(samples) };
}

function widthOf(container: HTMLElement): number {
  return Math.max(240, Math.floor(container.clientWidth));
}

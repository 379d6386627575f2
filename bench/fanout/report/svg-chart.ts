/**
 * A hand-written SVG with four grouped bar charts, one bar per target: server CPU per delivery at
 * full speed and one event at a time (one group per subscriber count), memory per idle connection
 * (one group per connection count, and one per count at steady state when measured) and publishes
 * per second on one connection (one group per depth). No chart library: rectangles, text, a legend.
 */
import type { CellResult, IdleCell, PublishThroughputCell, ThroughputCell } from '../results.js';

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#b07aa1', '#9c755f'];
const PANEL_WIDTH = 520;
const PANEL_HEIGHT = 300;
const MARGIN = { top: 40, right: 16, bottom: 48, left: 56 };

interface Group {
  label: string;
  values: Map<string, number>;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function panel(
  title: string,
  unit: string,
  groups: readonly Group[],
  targets: readonly string[],
  x0: number,
  y0: number,
) {
  const innerW = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const innerH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const top = y0 + MARGIN.top;
  const all = groups.flatMap((g) => [...g.values.values()]).filter(Number.isFinite);
  const max = all.length > 0 ? Math.max(...all) * 1.1 : 1;
  const parts = [
    `<text x="${x0 + PANEL_WIDTH / 2}" y="${y0 + 20}" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`,
    `<line x1="${x0 + MARGIN.left}" y1="${top + innerH}" x2="${x0 + MARGIN.left + innerW}" y2="${top + innerH}" stroke="#333"/>`,
  ];
  for (let tick = 0; tick <= 4; tick++) {
    const value = (max * tick) / 4;
    const y = top + innerH - (innerH * tick) / 4;
    parts.push(
      `<line x1="${x0 + MARGIN.left}" y1="${y}" x2="${x0 + MARGIN.left + innerW}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${x0 + MARGIN.left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${value.toPrecision(2)}</text>`,
    );
  }
  parts.push(
    `<text x="${x0 + 14}" y="${top + innerH / 2}" font-size="11" transform="rotate(-90 ${x0 + 14} ${top + innerH / 2})" text-anchor="middle">${escapeXml(unit)}</text>`,
  );
  const groupW = innerW / Math.max(1, groups.length);
  const barW = (groupW * 0.8) / Math.max(1, targets.length);
  groups.forEach((group, gi) => {
    const gx = x0 + MARGIN.left + gi * groupW + groupW * 0.1;
    targets.forEach((target, ti) => {
      const value = group.values.get(target);
      if (value === undefined || !Number.isFinite(value)) return;
      const h = (Math.max(0, value) / max) * innerH;
      const x = gx + ti * barW;
      const y = top + innerH - h;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW * 0.92).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[ti % COLORS.length]}"><title>${escapeXml(`${target} ${group.label}: ${value.toPrecision(3)} ${unit}`)}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${gx + groupW * 0.4}" y="${top + innerH + 16}" text-anchor="middle" font-size="11">${escapeXml(group.label)}</text>`,
    );
  });
  if (groups.length === 0) {
    parts.push(
      `<text x="${x0 + PANEL_WIDTH / 2}" y="${top + innerH / 2}" text-anchor="middle" fill="#888">no cells</text>`,
    );
  }
  return parts.join('\n');
}

function groupsOf<C>(
  cells: readonly C[],
  key: (c: C) => string,
  target: (c: C) => string,
  value: (c: C) => number,
) {
  const groups = new Map<string, Group>();
  for (const cell of cells) {
    const label = key(cell);
    const group = groups.get(label) ?? { label, values: new Map() };
    group.values.set(target(cell), value(cell));
    groups.set(label, group);
  }
  return [...groups.values()];
}

export function svgChart(cells: readonly CellResult[]): string {
  const throughput = cells.filter((c): c is ThroughputCell => c.kind === 'throughput');
  const idle = cells.filter((c): c is IdleCell => c.kind === 'idle');
  const publish = cells.filter((c): c is PublishThroughputCell => c.kind === 'publish-throughput');
  const targets = [...new Set([...throughput, ...idle, ...publish].map((c) => c.target))];
  const cpu = (mode: ThroughputCell['mode']) =>
    groupsOf(
      throughput.filter((c) => c.mode === mode),
      (c) => `${c.subscribersRequested.toLocaleString('en-US')} subs`,
      (c) => c.target,
      (c) => c.cpuUsPerDelivery,
    );
  const memory = groupsOf(
    idle.flatMap((c) => {
      const n = c.connectionsRequested.toLocaleString('en-US');
      const readings = [{ target: c.target, label: `${n} idle`, bytes: c.bytesPerConnection }];
      if (c.steady !== undefined) {
        readings.push({
          target: c.target,
          label: `${n}, after ${c.steady.idleMs / 1000} s`,
          bytes: c.steady.bytesPerConnection,
        });
      }
      return readings;
    }),
    (r) => r.label,
    (r) => r.target,
    (r) => r.bytes / 1024,
  );
  const publishes = groupsOf(
    publish,
    (c) => `depth ${c.depth}`,
    (c) => c.target,
    (c) => c.publishesPerSec / 1000,
  );
  const width = PANEL_WIDTH * 2;
  const legendY = PANEL_HEIGHT * 2 + 10;
  const legend = targets
    .map((t, i) => {
      const x = 20 + i * 150;
      return `<rect x="${x}" y="${legendY}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 18}" y="${legendY + 11}" font-size="12">${escapeXml(t)}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${PANEL_HEIGHT * 2 + 36}" font-family="sans-serif" font-size="13" role="img">
<title>Server CPU per delivery (full speed and one event at a time), memory per idle connection (lower is better) and publishes per second (higher is better), per target</title>
<rect width="100%" height="100%" fill="white"/>
${panel('CPU per delivery, full speed (lower is better)', 'µs per delivery', cpu('full-speed'), targets, 0, 0)}
${panel('CPU per delivery, one event at a time (lower is better)', 'µs per delivery', cpu('fixed-rate'), targets, PANEL_WIDTH, 0)}
${panel('Memory per idle connection (lower is better)', 'KiB per connection', memory, targets, 0, PANEL_HEIGHT)}
${panel('Publishes/s on one connection (higher is better)', 'thousand publishes/s', publishes, targets, PANEL_WIDTH, PANEL_HEIGHT)}
${legend}
</svg>
`;
}

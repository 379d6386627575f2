/**
 * A hand-written SVG with two grouped bar charts: server CPU per delivery (full-speed cells, one
 * group per subscriber count) and memory per idle connection (one group per connection count),
 * one bar per target. No chart library: rectangles, text and a legend.
 */
import type { CellResult, IdleCell, ThroughputCell } from '../results.js';

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
) {
  const innerW = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const innerH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const all = groups.flatMap((g) => [...g.values.values()]).filter(Number.isFinite);
  const max = all.length > 0 ? Math.max(...all) * 1.1 : 1;
  const parts = [
    `<text x="${x0 + PANEL_WIDTH / 2}" y="20" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`,
    `<line x1="${x0 + MARGIN.left}" y1="${MARGIN.top + innerH}" x2="${x0 + MARGIN.left + innerW}" y2="${MARGIN.top + innerH}" stroke="#333"/>`,
  ];
  for (let tick = 0; tick <= 4; tick++) {
    const value = (max * tick) / 4;
    const y = MARGIN.top + innerH - (innerH * tick) / 4;
    parts.push(
      `<line x1="${x0 + MARGIN.left}" y1="${y}" x2="${x0 + MARGIN.left + innerW}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${x0 + MARGIN.left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${value.toPrecision(2)}</text>`,
    );
  }
  parts.push(
    `<text x="${x0 + 14}" y="${MARGIN.top + innerH / 2}" font-size="11" transform="rotate(-90 ${x0 + 14} ${MARGIN.top + innerH / 2})" text-anchor="middle">${escapeXml(unit)}</text>`,
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
      const y = MARGIN.top + innerH - h;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW * 0.92).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[ti % COLORS.length]}"><title>${escapeXml(`${target} ${group.label}: ${value.toPrecision(3)} ${unit}`)}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${gx + groupW * 0.4}" y="${MARGIN.top + innerH + 16}" text-anchor="middle" font-size="11">${escapeXml(group.label)}</text>`,
    );
  });
  if (groups.length === 0) {
    parts.push(
      `<text x="${x0 + PANEL_WIDTH / 2}" y="${MARGIN.top + innerH / 2}" text-anchor="middle" fill="#888">no cells</text>`,
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
  const full = cells.filter((c): c is ThroughputCell => c.kind === 'throughput' && c.mode === 'full-speed');
  const idle = cells.filter((c): c is IdleCell => c.kind === 'idle');
  const targets = [...new Set([...full, ...idle].map((c) => c.target))];
  const cpu = groupsOf(
    full,
    (c) => `${c.subscribersRequested.toLocaleString('en-US')} subs`,
    (c) => c.target,
    (c) => c.cpuUsPerDelivery,
  );
  const memory = groupsOf(
    idle,
    (c) => `${c.connectionsRequested.toLocaleString('en-US')} idle`,
    (c) => c.target,
    (c) => c.bytesPerConnection / 1024,
  );
  const width = PANEL_WIDTH * 2;
  const legendY = PANEL_HEIGHT + 10;
  const legend = targets
    .map((t, i) => {
      const x = 20 + i * 150;
      return `<rect x="${x}" y="${legendY}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 18}" y="${legendY + 11}" font-size="12">${escapeXml(t)}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${PANEL_HEIGHT + 36}" font-family="sans-serif" font-size="13" role="img">
<title>Server CPU per delivery at full speed and memory per idle connection, per target (lower is better)</title>
<rect width="100%" height="100%" fill="white"/>
${panel('Server CPU per delivery (full speed)', 'µs per delivery', cpu, targets, 0)}
${panel('Server memory per idle connection', 'KiB per connection', memory, targets, PANEL_WIDTH)}
${legend}
</svg>
`;
}

import type { TransportName } from '../../../src/client/index.js';
import { byId, formatBytes, h } from '../../shared/dom.js';
import type { HubConnections } from '../../shared/hub-metrics.js';
import type { LabRun, Pane } from './lab-run.js';
import { formatInterval, formatMs, formatPerEvent, percentile, perEvent } from './lab-stats.js';
import { type PaneNumbers, type SummaryParagraph, summarize } from './lab-summary.js';

const PANE_TEXT: Record<TransportName, { title: string; option: string; cost: string }> = {
  'short-poll': {
    title: 'Short polling',
    option: "transport: 'short-poll'",
    cost: 'Asks on a timer and the hub answers at once, often with nothing new. Requests grow with time; an event waits for the next poll. Nothing stays open between polls.',
  },
  'long-poll': {
    title: 'Long polling',
    option: "transport: 'long-poll'",
    cost: 'The hub holds each request until an event arrives, then answers with a JSON batch. One request per answer, about the latency of the network. Gets through any proxy.',
  },
  sse: {
    title: 'Server-Sent Events',
    option: "transport: 'sse'",
    cost: 'One response stays open; each event is a few lines of text written into it. About the latency of the network. Needs proxies that pass a stream through.',
  },
};

const STATS: { key: string; label: string }[] = [
  { key: 'events', label: 'events received' },
  { key: 'requests', label: 'requests made' },
  { key: 'empty', label: 'empty answers' },
  { key: 'bytes', label: 'bytes received' },
  { key: 'bytes-per-event', label: 'bytes / event' },
  { key: 'latency-p50', label: 'latency p50' },
  { key: 'latency-p95', label: 'latency p95' },
  { key: 'hub-open', label: 'open on the hub' },
];

/** Draws the three panes (short polling, long polling, SSE: the order of their request counts). */
export function mountPanes(run: LabRun): void {
  byId('lab-panes').replaceChildren(
    ...run.panes.map(({ transport }) => {
      const text = PANE_TEXT[transport];
      const stats = h('dl', { class: 'stats' });
      for (const { key, label } of STATS)
        stats.append(h('dt', {}, label), h('dd', { 'data-stat': key }, key === 'hub-open' ? '–' : '0'));
      return h(
        'article',
        { class: 'card lab-pane', id: `lab-${transport}`, 'data-transport': transport },
        h('h3', {}, text.title, ' ', h('code', {}, text.option)),
        h('p', { class: 'lab-cost' }, text.cost),
        stats,
        h('ol', { class: 'lab-recent', 'data-stat': 'recent', 'aria-label': 'Last event ids received' }),
      );
    }),
  );
}

/** The numbers a pane shows, in the form the summary needs them. */
export function paneNumbers(pane: Pane): PaneNumbers {
  return {
    requests: pane.cost.requests,
    events: pane.ids.length,
    answers: pane.cost.answers,
    emptyAnswers: pane.cost.emptyAnswers,
    receivedBytes: pane.cost.receivedBytes,
    bodyBytes: pane.cost.bodyBytes,
    payloadBytes: pane.payloadBytes,
    p50Ms: percentile(pane.latenciesMs, 0.5),
    p95Ms: percentile(pane.latenciesMs, 0.95),
  };
}

/** Redraws counters from the run (cheap: only text that changed is touched). */
export function renderPanes(run: LabRun, hub: HubConnections | undefined): void {
  for (const pane of run.panes) {
    const numbers = paneNumbers(pane);
    const root = byId(`lab-${pane.transport}`);
    const set = (stat: string, text: string) => {
      const cell = root.querySelector(`[data-stat="${stat}"]`);
      if (cell !== null && cell.textContent !== text) cell.textContent = text;
    };
    set('events', String(numbers.events));
    set('requests', String(numbers.requests));
    set('empty', pane.transport === 'sse' ? 'n/a' : String(numbers.emptyAnswers));
    set('bytes', formatBytes(numbers.receivedBytes));
    set('bytes-per-event', formatPerEvent(perEvent(numbers.receivedBytes, numbers.events)));
    set('latency-p50', formatMs(numbers.p50Ms));
    set('latency-p95', formatMs(numbers.p95Ms));
    set('hub-open', hub === undefined ? '–' : String(hub[pane.transport]));
    // What the test reads as "requests per transport" is what the page shows, drawn together.
    run.state.requests[pane.transport] = numbers.requests;
    const recent = root.querySelector('[data-stat="recent"]');
    const last = pane.ids.slice(-3).reverse();
    if (recent !== null && recent.getAttribute('data-last') !== (last[0] ?? '')) {
      recent.setAttribute('data-last', last[0] ?? '');
      // UUIDv7 ids start with the time: their tail tells them apart.
      recent.replaceChildren(...last.map((id) => h('li', { title: id }, `…${id.slice(-12)}`)));
    }
  }
  const { published } = run.state;
  setText('lab-published', String(published.length));
  const endMs = run.state.phase === 'stopped' ? run.stoppedAtMs : Date.now();
  const elapsedMs = run.startedAtMs === 0 ? 0 : endMs - run.startedAtMs;
  setText('lab-elapsed', `${(elapsedMs / 1000).toFixed(1)} s`);
}

/** "What the numbers say": rewritten when a number in it changes. */
export function renderSummary(paragraphs: SummaryParagraph[], isRunning: boolean): void {
  const root = byId('lab-summary');
  // Hold screen reader announcements while numbers move; the final text is read once at Stop.
  root.setAttribute('aria-busy', String(isRunning));
  if (paragraphs.length === 0) return;
  const current = [...root.children].map((child) => child.textContent).join('\n');
  if (current === paragraphs.map((p) => p.text).join('\n')) return;
  root.replaceChildren(
    ...paragraphs.map(({ about, text }) =>
      h('p', { 'data-about': about, class: about === 'verdict' ? 'lab-verdict' : '' }, text),
    ),
  );
}

export function summaryOf(run: LabRun, peakConnections: HubConnections | undefined): SummaryParagraph[] {
  const panes = Object.fromEntries(run.panes.map((pane) => [pane.transport, paneNumbers(pane)]));
  return summarize({
    published: run.state.published.length,
    ratePerSecond: run.state.settings.ratePerSecond,
    shortPollIntervalMs: run.state.settings.shortPollIntervalMs,
    panes: panes as Record<TransportName, PaneNumbers>,
    peakConnections,
  });
}

/** The status line: changes with the phase only, so a screen reader hears it once per change. */
export function statusText(run: LabRun): string {
  const { phase, published, ids, settings, error } = run.state;
  if (error !== undefined) return `Stopped: ${error}.`;
  switch (phase) {
    case 'idle':
      return 'Nothing is connected until you press Start.';
    case 'starting':
      return 'Subscribing the three clients…';
    case 'running':
      return `Running: about ${settings.ratePerSecond} event${settings.ratePerSecond === 1 ? '' : 's'} a second, short polls every ${formatInterval(settings.shortPollIntervalMs)}. Press Stop to end the run.`;
    case 'stopping':
      return 'Stopping: waiting for the last events to arrive…';
    case 'stopped': {
      const seconds = ((run.stoppedAtMs - run.startedAtMs) / 1000).toFixed(1);
      const matching = (Object.keys(ids) as TransportName[]).filter((t) => sameIds(ids[t], published));
      return matching.length === 3
        ? `Stopped after ${seconds} s: ${published.length} events published, and every transport received all of them, in order.`
        : `Stopped after ${seconds} s: ${published.length} events published; ${3 - matching.length} transport(s) did not receive exactly those.`;
    }
  }
}

function sameIds(got: readonly string[], published: readonly string[]): boolean {
  return got.length === published.length && got.every((id, i) => id === published[i]);
}

function setText(id: string, text: string): void {
  const element = byId(id);
  if (element.textContent !== text) element.textContent = text;
}

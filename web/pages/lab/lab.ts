import { EventSource, hubUrl, type TransportName } from '../../../src/client/index.js';
import { byId, formatBytes, h } from '../../shared/dom.js';
import type { DemoSession } from '../../shared/session.js';
import { meteredFetch, type TransportCost } from './lab-meter.js';

const TRANSPORTS: TransportName[] = ['sse', 'long-poll', 'short-poll'];

/** One transport's pane: its subscription, what it received and what that cost. */
interface Pane {
  transport: TransportName;
  cost: TransportCost;
  ids: string[];
  latenciesMs: number[];
  source: EventSource | undefined;
}

/** Read by the browser test: ids per transport and the ids the publisher got back. */
export interface LabState {
  published: string[];
  ids: Record<TransportName, string[]>;
  isRunning: boolean;
}

/**
 * Card 5: one publisher, three subscribers of the same topic, one per transport. Each pane shows
 * events, requests, bytes and latency (publish time carried in the data vs. receive time, both on
 * this page's clock, so no clock offset is involved).
 */
export function startLab(session: DemoSession): LabState {
  const panes = TRANSPORTS.map(
    (transport): Pane => ({
      transport,
      cost: { requests: 0, receivedBytes: 0 },
      ids: [],
      latenciesMs: [],
      source: undefined,
    }),
  );
  const state: LabState = {
    published: [],
    ids: { sse: panes[0]!.ids, 'long-poll': panes[1]!.ids, 'short-poll': panes[2]!.ids },
    isRunning: false,
  };
  const toggle = byId<HTMLButtonElement>('lab-toggle');
  const rate = byId<HTMLSelectElement>('lab-rate');
  const pollInterval = byId<HTMLSelectElement>('lab-poll-interval');
  let publisher: ReturnType<typeof setInterval> | undefined;
  let seq = 0;
  let topic = '';

  const subscribeAll = () => {
    // A fresh topic per run, read from its start (`earliest`): every pane gets every event of the run.
    topic = session.topic(`lab/${crypto.randomUUID().slice(0, 8)}`);
    state.published.length = 0;
    seq = 0;
    for (const pane of panes) {
      pane.source?.close();
      pane.ids.length = 0;
      pane.latenciesMs.length = 0;
      pane.cost.requests = 0;
      pane.cost.receivedBytes = 0;
      pane.source = new EventSource(hubUrl('/', { topics: [topic] }), {
        transport: pane.transport,
        lastEventId: 'earliest',
        fetch: meteredFetch(pane.cost),
        shortPollIntervalMs: Number(pollInterval.value),
      });
      pane.source.onmessage = (message) => {
        const { sentAtMs } = JSON.parse(message.data) as { sentAtMs: number };
        pane.ids.push(message.lastEventId);
        pane.latenciesMs.push(Date.now() - sentAtMs);
      };
    }
  };
  const publishOne = async () => {
    const response = await session.publish({
      topic,
      data: JSON.stringify({ seq: ++seq, sentAtMs: Date.now() }),
    });
    if (response.ok) state.published.push(await response.text());
  };
  const start = () => {
    if (topic === '') subscribeAll();
    state.isRunning = true;
    toggle.textContent = 'Stop publishing';
    publisher = setInterval(publishOne, 1000 / Number(rate.value));
  };
  const stop = () => {
    state.isRunning = false;
    toggle.textContent = 'Start publishing';
    clearInterval(publisher);
  };
  toggle.addEventListener('click', () => (state.isRunning ? stop() : start()));
  rate.addEventListener('change', () => {
    if (!state.isRunning) return;
    stop();
    start();
  });
  // Panes connect at the first Start and close at Reset: an idle page holds no lab connections.
  const restart = () => {
    stop();
    for (const pane of panes) {
      pane.source?.close();
      pane.source = undefined;
      pane.ids.length = 0;
      pane.latenciesMs.length = 0;
      pane.cost.requests = 0;
      pane.cost.receivedBytes = 0;
    }
    state.published.length = 0;
    topic = '';
  };
  pollInterval.addEventListener('change', restart);
  byId('lab-reset').addEventListener('click', restart);
  setInterval(() => render(panes, state), 250);
  return state;
}

function render(panes: Pane[], state: LabState): void {
  byId('lab-published').textContent = String(state.published.length);
  for (const pane of panes) {
    const root = byId(`lab-${pane.transport}`);
    const events = pane.ids.length;
    const set = (stat: string, text: string) => {
      const cell = root.querySelector(`[data-stat="${stat}"]`);
      if (cell !== null && cell.textContent !== text) cell.textContent = text;
    };
    set('events', String(events));
    set('requests', String(pane.cost.requests));
    set('bytes', formatBytes(pane.cost.receivedBytes));
    set('bytes-per-event', events === 0 ? '–' : formatBytes(Math.round(pane.cost.receivedBytes / events)));
    set('latency-p50', formatMs(percentile(pane.latenciesMs, 0.5)));
    set('latency-p95', formatMs(percentile(pane.latenciesMs, 0.95)));
    const recent = root.querySelector('[data-stat="recent"]');
    const last = pane.ids.slice(-4).reverse();
    if (recent !== null && recent.getAttribute('data-last') !== last[0]) {
      recent.setAttribute('data-last', last[0] ?? '');
      // UUIDv7 ids start with the time: their tail tells them apart.
      recent.replaceChildren(...last.map((id) => h('li', {}, `…${id.slice(-12)}`)));
    }
  }
}

function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function formatMs(ms: number | undefined): string {
  return ms === undefined ? '–' : `${ms} ms`;
}

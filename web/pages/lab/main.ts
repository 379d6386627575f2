import '../../shared/demo.css';
import './lab.css';
import { byId } from '../../shared/dom.js';
import { type HubConnections, pollHubConnections, TRANSPORTS } from '../../shared/hub-metrics.js';
import { markReady, mountLayout, showBanner } from '../../shared/layout.js';
import { DemoSession } from '../../shared/session.js';
import { createRequestsChart, emptySamples, type Samples } from './lab-chart.js';
import { LabRun, type LabSettings } from './lab-run.js';
import { mountPanes, renderPanes, renderSummary, statusText, summaryOf } from './lab-view.js';

const setConnection = mountLayout('lab');
const form = byId<HTMLFormElement>('lab-form');
const rate = byId<HTMLSelectElement>('lab-rate');
const interval = byId<HTMLSelectElement>('lab-interval');
const toggle = byId<HTMLButtonElement>('lab-toggle');
const connectHint = byId('lab-connect-hint');

try {
  start(await DemoSession.open({ name: 'Lab', role: 'publisher' }));
} catch (error) {
  showBanner(error instanceof Error ? error.message : String(error));
  setConnection('closed');
}

function start(session: DemoSession): void {
  const run = new LabRun(session, settings());
  mountPanes(run);
  const chart = createRequestsChart(byId('lab-chart'));
  let samples: Samples = emptySamples();
  let hub: HubConnections | undefined;
  let peak: HubConnections | undefined;
  let isHubAnswering = true;
  let isSampling = false;

  const isActive = () => run.state.phase === 'running' || run.state.phase === 'stopping';
  pollHubConnections(
    1000,
    (sample) => {
      hub = sample;
      isHubAnswering = true;
      if (isActive() && peak !== undefined)
        for (const transport of TRANSPORTS) peak[transport] = Math.max(peak[transport], sample[transport]);
    },
    () => {
      isHubAnswering = false;
    },
  );

  const onPhase = () => {
    const { phase } = run.state;
    toggle.textContent = {
      idle: 'Start',
      starting: 'Starting…',
      running: 'Stop',
      stopping: 'Stopping…',
      stopped: 'Start again',
    }[phase];
    // Settings are fixed for a run: the panes were created with them.
    rate.disabled = interval.disabled = phase !== 'idle' && phase !== 'stopped';
    const status = statusText(run);
    if (byId('lab-status').textContent !== status) byId('lab-status').textContent = status;
    draw();
  };
  run.onChange = onPhase;

  const draw = () => {
    renderPanes(run, hub);
    renderSummary(summaryOf(run, peak), run.state.phase !== 'stopped' && run.state.phase !== 'idle');
    const { phase } = run.state;
    // Sampled while the run is on, and once more when it has stopped: the chart ends on the
    // numbers the panes end on (the last poll or event may come after the last 250 ms tick).
    if (isSampling && phase !== 'starting') {
      const endMs = phase === 'stopped' ? run.stoppedAtMs : Date.now();
      const [time, published, ...requests] = samples;
      time.push(Math.round((endMs - run.startedAtMs) / 100) / 10);
      published.push(run.state.published.length);
      run.panes.forEach((pane, i) => {
        requests[i]?.push(pane.cost.requests);
      });
      chart.draw(samples);
      if (phase === 'stopped') isSampling = false;
    }
    const hint = run.isSlowToConnect(Date.now()) ? CONNECT_HINT : '';
    // A live region: written only when it changes, or a screen reader may read it 4 times a second.
    if (connectHint.textContent !== hint) connectHint.textContent = hint;
    if (!isHubAnswering) setConnection('reconnecting', 'hub not answering');
    else if (run.state.phase === 'running')
      setConnection(
        run.panes.every((pane) => pane.source?.readyState === 1) ? 'open' : 'connecting',
        '3 subscriptions',
      );
    else setConnection('open', 'hub reachable');
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { phase } = run.state;
    if (phase === 'running') void run.stop();
    else if (phase === 'idle' || phase === 'stopped') {
      samples = emptySamples();
      isSampling = true;
      peak = { sse: 0, 'long-poll': 0, 'short-poll': 0 };
      void run.start(settings());
    }
  });
  setInterval(draw, 250);
  onPhase();
  markReady(run.state);
}

/**
 * A browser opens at most 6 HTTP/1.1 connections per host. The other demo pages share their
 * streams across tabs, but other pages of this host (or many users and rooms at once) may still
 * hold them all: the lab's requests then wait in the browser's queue, not at the hub.
 */
const CONNECT_HINT =
  'Still connecting: the browser may be out of connections to this host. Close some tabs of this host, or serve the hub over HTTP/2 with --tls-cert/--tls-key.';

function settings(): LabSettings {
  return { ratePerSecond: Number(rate.value), shortPollIntervalMs: Number(interval.value) };
}

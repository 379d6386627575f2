import '../../shared/demo.css';
import './home.css';
import { byId } from '../../shared/dom.js';
import { type HubConnections, pollHubConnections } from '../../shared/hub-metrics.js';
import { followConnection, markReady, mountLayout } from '../../shared/layout.js';
import { pageCards } from './cards.js';
import { startLiveTicker, type TickerState } from './live-ticker.js';

const setConnection = mountLayout('home');
byId('home-cards').replaceChildren(...pageCards());

/** `window.heraldDemo.state` of the overview: the ticker's numbers and the hub's connections. */
const state: TickerState & { connections?: HubConnections } = { updates: 0 };
const source = startLiveTicker(state);
followConnection(source, setConnection);
const connections = byId('home-connections');
source.addEventListener(
  'open',
  () => {
    markReady(state);
    // Sampled from the moment the stream is open, so the first sample already counts it.
    pollHubConnections(
      2000,
      (sample) => {
        state.connections = sample;
        connections.textContent = `Open on the hub now: SSE ${sample.sse} · long polling ${sample['long-poll']} · short polling ${sample['short-poll']}`;
      },
      () => {
        connections.textContent = 'Open on the hub now: /metrics is not answering';
      },
    );
  },
  { once: true },
);

import '../../shared/demo.css';
import './home.css';
import { byId } from '../../shared/dom.js';
import { type HubConnections, pollHubConnections } from '../../shared/hub-metrics.js';
import { followConnection, markReady, mountLayout, showBanner } from '../../shared/layout.js';
import { DemoSession } from '../../shared/session.js';
import { pageCards } from './cards.js';
import { guideItems } from './guides.js';
import { startLiveTicker, type TickerState } from './live-ticker.js';

const setConnection = mountLayout('home');
byId('home-cards').replaceChildren(...pageCards());
byId('home-guides').replaceChildren(...guideItems());

/** `window.heraldDemo.state` of the overview: the ticker's numbers and the hub's connections. */
const state: TickerState & { connections?: HubConnections } = { updates: 0, ids: [] };
try {
  // The session says where the demo's topics live (and fails clearly when the hub is not in demo
  // mode); the stock topics are public, so the stream itself needs no token.
  const session = await DemoSession.open({ name: 'Overview', role: 'subscriber' });
  const source = startLiveTicker(session.topic('stocks/{symbol}'), state);
  followConnection(source, setConnection);
  source.addEventListener('open', () => onOpen(), { once: true });
} catch (error) {
  setConnection('closed');
  showBanner(`The live ticker could not start: ${error instanceof Error ? error.message : String(error)}`);
}

function onOpen(): void {
  const connections = byId('home-connections');
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
}

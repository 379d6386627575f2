import type { TransportName } from '../../../src/client/index.js';
import { formatBytes } from '../../shared/dom.js';
import type { HubConnections } from '../../shared/hub-metrics.js';
import { count, formatInterval, formatMs, formatPerEvent, perEvent } from './lab-stats.js';

/** One pane's numbers as the page shows them. */
export interface PaneNumbers {
  requests: number;
  events: number;
  /** Poll answers received in full, and those of them without an event. */
  answers: number;
  emptyAnswers: number;
  receivedBytes: number;
  bodyBytes: number;
  /** The events' `data`, as published: what any transport has to carry. */
  payloadBytes: number;
  p50Ms: number | undefined;
  p95Ms: number | undefined;
}

export interface SummaryInput {
  published: number;
  ratePerSecond: number;
  shortPollIntervalMs: number;
  panes: Record<TransportName, PaneNumbers>;
  /** The most connections per transport the hub reported during the run (all of its clients). */
  peakConnections: HubConnections | undefined;
}

/** One paragraph of "What the numbers say", keyed by what it is about. */
export interface SummaryParagraph {
  about: TransportName | 'verdict';
  text: string;
}

/**
 * "What the numbers say": sentences built from the numbers on the page, so what the page claims is
 * what it measured. Empty before the first event.
 */
export function summarize(input: SummaryInput): SummaryParagraph[] {
  const { panes } = input;
  if (input.published === 0 || TRANSPORTS_IN_ORDER.every((t) => panes[t].events === 0)) return [];
  const paragraphs: SummaryParagraph[] = [
    { about: 'short-poll', text: shortPolling(input) },
    { about: 'long-poll', text: longPolling(input) },
    { about: 'sse', text: sse(input) },
  ];
  // Comparisons wait until every transport has something to compare.
  if (TRANSPORTS_IN_ORDER.every((t) => panes[t].events > 0))
    paragraphs.push({ about: 'verdict', text: verdict(input) });
  return paragraphs;
}

const TRANSPORTS_IN_ORDER: readonly TransportName[] = ['short-poll', 'long-poll', 'sse'];

function shortPolling({ panes, shortPollIntervalMs }: SummaryInput): string {
  const { requests, events, emptyAnswers, p50Ms, p95Ms } = panes['short-poll'];
  const interval = formatInterval(shortPollIntervalMs);
  const sentences = [
    `Short polling made ${count(requests, 'request')} for ${count(events, 'event')}; ` +
      `${emptyAnswers} of them came back empty.`,
    `It asks every ${interval} whether anything happened, so its requests grow with time, not with events.`,
  ];
  if (p50Ms !== undefined) {
    const isAboutHalf = p50Ms > shortPollIntervalMs * 0.35 && p50Ms < shortPollIntervalMs * 0.65;
    sentences.push(
      isAboutHalf
        ? `Its median latency, ${formatMs(p50Ms)} (p95 ${formatMs(p95Ms)}), is about half its ${interval} interval: an event waits for the next poll.`
        : `Its median latency was ${formatMs(p50Ms)} (p95 ${formatMs(p95Ms)}): an event waits for the next poll, up to ${interval}.`,
    );
  }
  return sentences.join(' ');
}

function longPolling({ panes }: SummaryInput): string {
  const { requests, events, answers, emptyAnswers, receivedBytes, payloadBytes, p50Ms } = panes['long-poll'];
  const withEvents = answers - emptyAnswers;
  const held = requests - answers;
  const sentences = [
    `Long polling made ${count(requests, 'request')}: ${withEvents} answered with events` +
      (held > 0
        ? ` and ${held} ${held === 1 ? 'was' : 'were'} held at the hub waiting for the next one.`
        : '.'),
  ];
  if (events > 0 && withEvents === events) sentences.push('That is one request per event.');
  else if (events > withEvents && withEvents > 0)
    sentences.push(
      `Its ${count(events, 'event')} came in ${count(withEvents, 'answer')}: events published while an answer was on its way shared the next one.`,
    );
  if (emptyAnswers > 0)
    sentences.push(
      `${count(emptyAnswers, 'request')} timed out empty: the hub answers a quiet topic after 25 s.`,
    );
  const overhead = perEvent(receivedBytes - payloadBytes, events);
  if (p50Ms !== undefined && overhead !== undefined)
    sentences.push(
      `The hub answers the moment an event arrives (median latency ${formatMs(p50Ms)}), but every answer is a whole response: ` +
        `${formatBytes(overhead)} of headers and JSON per event on top of its ${formatPerEvent(perEvent(payloadBytes, events))} payload.`,
    );
  return sentences.join(' ');
}

function sse({ panes }: SummaryInput): string {
  const { requests, events, bodyBytes, payloadBytes, p50Ms } = panes.sse;
  const framing = perEvent(bodyBytes - payloadBytes, events);
  const sentences = [
    `SSE used ${count(requests, 'request')} for ${events === 1 ? 'its' : `all ${events}`} ${events === 1 ? 'event' : 'events'}:` +
      ' one response stays open and the hub writes each event into it.',
  ];
  if (framing !== undefined)
    sentences.push(
      `Each event cost ${formatBytes(framing)} of framing (its id: and data: lines) on top of its ${formatPerEvent(perEvent(payloadBytes, events))} payload, ` +
        `and arrived with a median latency of ${formatMs(p50Ms)}.`,
    );
  return sentences.join(' ');
}

function verdict({ panes, ratePerSecond, shortPollIntervalMs, peakConnections }: SummaryInput): string {
  const short = panes['short-poll'];
  const long = panes['long-poll'];
  const stream = panes.sse;
  const sentences: string[] = [];
  if (short.requests > long.requests && long.requests > stream.requests)
    sentences.push(
      `Requests came out short polling > long polling > SSE (${short.requests} > ${long.requests} > ${stream.requests}): ` +
        'short polling pays for time, long polling for events, SSE once.',
    );
  else if (long.requests >= short.requests)
    sentences.push(
      `Here long polling made as many requests as short polling or more (${long.requests} vs ${short.requests}): ` +
        `an event every ${formatInterval(Math.round(1000 / ratePerSecond))} on average comes faster than the ${formatInterval(shortPollIntervalMs)} poll interval, ` +
        'so short polling batched several events per answer and paid for it in latency.',
    );
  const costs = [short, long, stream].map((pane) =>
    formatPerEvent(perEvent(pane.receivedBytes, pane.events)),
  );
  sentences.push(
    `Received per event: ${costs[0]} by short polling, ${costs[1]} by long polling, ${costs[2]} by SSE.`,
  );
  const held =
    peakConnections === undefined
      ? ''
      : ` (the hub counted up to ${count(peakConnections.sse, 'open SSE connection')} and ${peakConnections['long-poll']} long-poll during the run, all clients included)`;
  const perEventBytes = [short, long, stream].map((pane) => pane.receivedBytes / pane.events);
  const isCheapest = Math.min(...perEventBytes) === perEventBytes[2];
  const latencies = [short, long, stream].map((pane) => pane.p50Ms ?? Number.POSITIVE_INFINITY);
  const isQuickest = Math.min(...latencies) === latencies[2];
  const claim =
    isCheapest && isQuickest
      ? 'SSE was the cheapest and the quickest here'
      : isCheapest
        ? 'SSE was the cheapest here'
        : isQuickest
          ? 'SSE was the quickest here'
          : 'SSE was neither the cheapest nor the quickest in this run';
  sentences.push(
    `${claim}. It needs every proxy on the way to pass a stream through unbuffered and holds a connection per client${held}.`,
    'Long polling gets through any proxy with about the same latency, at the price of one request and response head per answer.',
    'Short polling holds nothing open between polls, which suits stateless servers, but it pays for every interval whether or not anything happened, and adds up to a full interval of delay.',
  );
  return sentences.join(' ');
}

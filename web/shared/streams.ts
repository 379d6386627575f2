import { hubUrl, SharedEventSource } from '../../src/client/index.js';

/**
 * The demo's streams are shared by the tabs of one browser: HTTP/1.1 allows 6 connections per
 * host, and a stream per tab would stall the seventh tab (and every request of the others). A
 * stream is keyed by who reads it and what: one for the public prices (the overview and the
 * stock pages), one per fake user (notifications and reminders: the user's token reads the
 * user's private topic), one per chat room and identity. An event stream does not say which
 * topic an event came from, so streams whose tabs need different topics cannot be one.
 */
export const STOCK_STREAM_NAME = 'herald-demo:stocks';

/** The ticker's prices, public (no token), over the stream the price pages share. */
export function openStockStream(topic: string): SharedEventSource {
  return new SharedEventSource(hubUrl('/', { topics: [topic] }), { name: STOCK_STREAM_NAME });
}

/** How long a stream may take to open before a page goes on without it (and reads history anyway). */
const OPEN_TIMEOUT_MS = 5_000;

/** Resolves when `source` is open, has failed for good, or after `timeoutMs`, whichever is first. */
export function whenOpen(source: SharedEventSource, timeoutMs = OPEN_TIMEOUT_MS): Promise<void> {
  if (source.readyState === SharedEventSource.OPEN) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    source.addEventListener('open', done, { once: true });
    source.addEventListener('error', () => {
      if (source.readyState === SharedEventSource.CLOSED) done();
    });
  });
}

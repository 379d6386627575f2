import { hubUrl, SharedEventSource } from '../src/client/index.js';
import type { DemoSession } from './session.js';

/** The event types of the page feed, one per card. */
export type FeedType = 'notification' | 'price' | 'chat' | 'reminder';

export const FEED_PATHS = {
  notification: 'notifications',
  price: 'stocks/HRLD',
  chat: 'chat/lobby',
  reminder: 'reminders',
} as const satisfies Record<FeedType, string>;

/**
 * One anonymous connection for every card, and one for all tabs of the page (`SharedEventSource`:
 * a leader tab connects, the others listen over a BroadcastChannel). Browsers allow only 6
 * HTTP/1.1 connections per host: one stream per card per tab would block the page's own publishes
 * by the second tab. Cards tell their events apart by `type`.
 */
export function openPageFeed(session: DemoSession): SharedEventSource {
  const topics = Object.values(FEED_PATHS).map((path) => session.topic(path));
  return new SharedEventSource(hubUrl('/', { topics }), { name: 'herald-demo-feed' });
}

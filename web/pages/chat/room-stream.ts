import { EventSource, hubUrl, timeOfEventId } from '../../../src/client/index.js';
import { isShowableTime, parseJsonObject } from '../../shared/dom.js';
import type { DemoSession } from '../../shared/session.js';
import { isAfter } from './last-read.js';
import { isSubscriptionDoc, type Person, Presence, type SubscriptionDoc } from './presence.js';

/** The `data` of a `type: chat` update. */
export interface ChatMessage {
  from: string;
  text: string;
  atMs: number;
}

export interface RoomEvents {
  /** `isHistory`: published before this tab opened the room, i.e. replayed rather than live. */
  onMessage(message: ChatMessage, id: string, isHistory: boolean): void;
  onPresence(people: Person[]): void;
}

export interface RoomStream {
  source: EventSource;
  /** False when the hub has no subscriptions API (`--subscriptions` off): no presence then. */
  hasPresence: boolean;
  close(): void;
}

interface SubscriptionsList {
  lastEventID?: string;
  subscriptions?: unknown[];
}

const SUBSCRIPTIONS_PATH = '/.well-known/mercure/subscriptions';

/**
 * One room, one stream: the room's topic and, when the hub has the subscriptions API, the room's
 * subscription events (private; the demo token may read them), replayed from the earliest event
 * the hub keeps so a returning user sees what was said.
 *
 * The subscriptions list is read first. It names who is here and, as `lastEventID`, the hub's
 * newest event at that moment: what the stream then replays up to that id is history, anything
 * after it is live. Replayed subscription events are skipped, the list already accounts for them.
 */
export async function openRoom(session: DemoSession, topic: string, events: RoomEvents): Promise<RoomStream> {
  const presenceBase = `${SUBSCRIPTIONS_PATH}/${encodeURIComponent(topic)}`;
  const presence = new Presence();
  const list = session.hasSubscriptionsApi ? await fetchSubscriptions(session, presenceBase) : undefined;
  if (list !== undefined) {
    presence.reset((list.subscriptions ?? []).filter(isSubscriptionDoc));
    events.onPresence(presence.people());
  }
  const head = list?.lastEventID;
  const openedAtMs = Date.now();
  const isHistory = (id: string): boolean => {
    if (head === undefined) return (timeOfEventId(id) ?? openedAtMs) < openedAtMs;
    return head !== 'earliest' && !isAfter(id, head);
  };

  const topics = list === undefined ? [topic] : [topic, `${presenceBase}/{subscriber}`];
  const source = new EventSource(hubUrl('/', { topics }), {
    // A function: the session renews its token, and a reconnection must present the new one.
    headers: () => ({ authorization: `Bearer ${session.token}` }),
    lastEventId: 'earliest',
  });
  source.addEventListener('chat', (event) => {
    const message = parseChatMessage(event.data);
    if (message !== undefined) events.onMessage(message, event.lastEventId, isHistory(event.lastEventId));
  });
  // Subscription events have no `type`: they arrive as plain messages.
  source.addEventListener('message', (event) => {
    if (isHistory(event.lastEventId)) return;
    const doc = parseJsonObject(event.data);
    if (!isSubscriptionDoc(doc)) return;
    presence.apply(doc);
    events.onPresence(presence.people());
  });
  return { source, hasPresence: list !== undefined, close: () => source.close() };
}

async function fetchSubscriptions(
  session: DemoSession,
  path: string,
): Promise<(SubscriptionsList & { subscriptions: SubscriptionDoc[] }) | undefined> {
  try {
    const response = await fetch(path, { headers: { authorization: `Bearer ${session.token}` } });
    if (!response.ok) return undefined;
    const list = (await response.json()) as SubscriptionsList;
    return { ...list, subscriptions: (list.subscriptions ?? []).filter(isSubscriptionDoc) };
  } catch {
    return undefined;
  }
}

/** Longest name and message shown: the hub's demo names and the input's `maxlength` (chat.html). */
export const MAX_FROM_LENGTH = 24;
export const MAX_TEXT_LENGTH = 500;

/**
 * The event's data as a `ChatMessage`, or `undefined` when it is not one. Anyone with a demo token
 * may publish anything on a room, and the room replays from `earliest`: a message that made the
 * page throw would break it for every later visitor, so each field is checked and bounded.
 */
export function parseChatMessage(data: string): ChatMessage | undefined {
  const value = parseJsonObject(data);
  if (value === undefined) return undefined;
  const { from, text, atMs } = value;
  if (typeof from !== 'string' || typeof text !== 'string') return undefined;
  if (from.trim() === '' || text.trim() === '') return undefined;
  return {
    from: from.slice(0, MAX_FROM_LENGTH),
    text: text.slice(0, MAX_TEXT_LENGTH),
    // A time the page cannot show is replaced by the arrival time rather than dropping the message.
    atMs: isShowableTime(atMs) ? atMs : Date.now(),
  };
}

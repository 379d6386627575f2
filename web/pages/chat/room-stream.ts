import { type SharedEventSource, timeOfEventId } from '../../../src/client/index.js';
import { isShowableTime, parseJsonObject } from '../../shared/dom.js';
import { readHistory } from '../../shared/history.js';
import type { DemoSession } from '../../shared/session.js';
import { whenOpen } from '../../shared/streams.js';
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
  source: SharedEventSource;
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
 * subscription events (private; the demo token may read them). The stream is shared by this
 * identity's tabs of the room (one connection, whatever the number of tabs) and is live wherever a
 * tab joins it, so what was said before comes from the hub's history (`readHistory`, from the
 * earliest event it keeps): the stream opens first and its events are held, the history is read
 * and shown, then the held events it did not contain follow. A returning user sees what was said.
 *
 * The subscriptions list is read first. It names who is here and, as `lastEventID`, the hub's
 * newest event at that moment: what came up to that id is history, anything after it is live.
 * Subscription events of the history are skipped, the list already accounts for them.
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
  const onEvent = (type: string, data: string, id: string): void => {
    if (type === 'chat') {
      const message = parseChatMessage(data);
      if (message !== undefined) events.onMessage(message, id, isHistory(id));
      return;
    }
    // Subscription events have no `type`: they arrive as plain messages.
    if (type !== 'message' || isHistory(id)) return;
    const doc = parseJsonObject(data);
    if (!isSubscriptionDoc(doc)) return;
    presence.apply(doc);
    events.onPresence(presence.people());
  };

  const topics = list === undefined ? [topic] : [topic, `${presenceBase}/{subscriber}`];
  // The session's token presents this identity: tabs of other identities need streams of their own.
  const source = session.subscribe(topics, `herald-demo:chat:${session.identityKey}:${topic}`);
  let held: { type: string; data: string; id: string }[] | undefined = [];
  for (const type of ['chat', 'message']) {
    source.addEventListener(type, (event) => {
      const { data, lastEventId: id } = event as MessageEvent<string>;
      if (held !== undefined) held.push({ type, data, id });
      else onEvent(type, data, id);
    });
  }
  await whenOpen(source);
  const replayed = new Set<string>();
  try {
    const history = await readHistory(topics, 'earliest', { authorization: `Bearer ${session.token}` });
    for (const event of history) {
      replayed.add(event.id);
      onEvent(event.type ?? 'message', event.data, event.id);
    }
  } catch {
    // No history (the hub did not answer): the room goes on live.
  }
  for (const event of held) if (!replayed.has(event.id)) onEvent(event.type, event.data, event.id);
  held = undefined;
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

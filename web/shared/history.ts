import { hubUrl, type PolledEvent } from '../../src/client/index.js';

/** A history read stops after this many answers (the hub sends up to 1,000 events in each). */
const MAX_ANSWERS = 20;

/**
 * The events of `topics` published after `afterId` (`earliest`: all the hub keeps), read with
 * short polls, which hold no connection: a page whose live stream is shared with other tabs
 * joins that stream where it is, so what it missed before (a chat's history, the prices of a
 * dropped network) comes from here. Each answer carries each event's topics, which an event
 * stream does not. Polls until an answer is empty; throws when the hub refuses.
 */
export async function readHistory(
  topics: readonly string[],
  afterId: string,
  headers: Record<string, string> = {},
): Promise<PolledEvent[]> {
  const events: PolledEvent[] = [];
  let cursor = afterId;
  for (let answers = 0; answers < MAX_ANSWERS; answers += 1) {
    const url = hubUrl('/', { topics, lastEventId: cursor, params: { transport: 'short-poll' } });
    const response = await fetch(url, {
      headers: { ...headers, accept: 'application/json' },
      cache: 'no-store',
    });
    if (!response.ok) throw new Error(`the hub answered ${response.status} to a history read`);
    const body = (await response.json()) as { events?: unknown; lastEventId?: unknown };
    const batch = Array.isArray(body.events) ? body.events.filter(isPolledEvent) : [];
    if (batch.length === 0 || typeof body.lastEventId !== 'string') break;
    events.push(...batch);
    cursor = body.lastEventId;
  }
  return events;
}

function isPolledEvent(value: unknown): value is PolledEvent {
  const event = value as Partial<PolledEvent> | null;
  return (
    typeof event?.id === 'string' &&
    typeof event.data === 'string' &&
    (event.type === undefined || typeof event.type === 'string')
  );
}

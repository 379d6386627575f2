/**
 * The last message a user has seen in a room, kept in `localStorage` per user and room: on their
 * next visit everything after it is "new since your last visit". Storage may be off (private
 * windows, quotas): the page then simply shows no marker.
 */
const KEY_PREFIX = 'herald-demo:chat:last-read';

function keyOf(who: string, room: string): string {
  return `${KEY_PREFIX}:${who}:${room}`;
}

export function loadLastRead(who: string, room: string): string | undefined {
  try {
    return localStorage.getItem(keyOf(who, room)) ?? undefined;
  } catch {
    return undefined;
  }
}

export function saveLastRead(who: string, room: string, eventId: string): void {
  try {
    localStorage.setItem(keyOf(who, room), eventId);
  } catch {
    // No storage: the marker is a nicety, the chat works without it.
  }
}

/**
 * Whether event id `a` was published after `b`. The hub's ids are `urn:uuid:` + UUIDv7, made
 * strictly increasing by the hub (time first, then a counter), so their text sorts in publication
 * order; this is what lets a saved id mark a place in the history even once it has been pruned.
 */
export function isAfter(a: string, b: string): boolean {
  return a.toLowerCase() > b.toLowerCase();
}

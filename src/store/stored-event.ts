import type { Cursor, NewEvent, StoredEvent } from '../hub/index.js';

/**
 * The stored form of an event, copied field by field: the caller may reuse its object (or pass one
 * with extra properties), and what the store hands back must not change with it.
 */
export function toStoredEvent(event: NewEvent, cursor: Cursor, publishedAtMs: number): StoredEvent {
  return {
    id: event.id,
    topics: [...event.topics],
    data: event.data,
    type: event.type,
    retryMs: event.retryMs,
    isPrivate: event.isPrivate,
    cursor,
    publishedAtMs,
  };
}

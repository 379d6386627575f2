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

/**
 * Whether `event` repeats `kept` field for field (id, topics in order, data, type, retryMs,
 * isPrivate): a publisher's retry, which the Store refuses instead of storing twice.
 */
export function isRepeatOf(event: NewEvent, kept: NewEvent): boolean {
  return (
    event.id === kept.id &&
    event.data === kept.data &&
    event.type === kept.type &&
    event.retryMs === kept.retryMs &&
    event.isPrivate === kept.isPrivate &&
    event.topics.length === kept.topics.length &&
    event.topics.every((topic, index) => topic === kept.topics[index])
  );
}

/**
 * Where the Redis store keeps things (see `redis-scripts.ts` for the layout) and how a stream entry
 * turns back into a StoredEvent.
 */
import type { Cursor, NewEvent, StoredEvent } from '../hub/index.js';

/** The default prefix of every key, so Herald's keys never meet an application's. */
export const DEFAULT_REDIS_KEY_PREFIX = 'herald:';

export interface RedisKeys {
  cursor: string;
  events: string;
  published: string;
  exclusive: string;
  /** Prefix of the per-id lists: `idPrefix + id`. */
  idPrefix: string;
  /** The retention lock: held (SET NX PX, a random token) by the one handle pruning. */
  pruneLock: string;
  /** Subscriber directory: the set of node ids that registered (`redis-subscribers.ts`). */
  nodes: string;
  /** Prefix of each node's heartbeat key, `nodePrefix + nodeId`: exists while the node is live. */
  nodePrefix: string;
  /** Prefix of each node's hash of subscribers, `subscribersPrefix + nodeId`: id -> entry. */
  subscribersPrefix: string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    cursor: `${prefix}cursor`,
    events: `${prefix}events`,
    published: `${prefix}published`,
    exclusive: `${prefix}exclusive`,
    idPrefix: `${prefix}id:`,
    pruneLock: `${prefix}prune-lock`,
    nodes: `${prefix}nodes`,
    nodePrefix: `${prefix}node:`,
    subscribersPrefix: `${prefix}subscribers:`,
  };
}

/** A raw stream entry as Redis returns it: `[streamId, [field, value, field, value, ...]]`. */
export type RawEntry = [string, string[]];

/**
 * Everything a repeat is compared on, in one string: the append script compares it byte for byte
 * with the kept one, so it must be deterministic (JSON.stringify of an array is).
 */
export function encodeContent(event: NewEvent): string {
  return JSON.stringify([
    event.topics,
    event.data,
    event.type ?? null,
    event.retryMs ?? null,
    event.isPrivate,
  ]);
}

export function streamIdOf(cursor: Cursor): string {
  return `0-${cursor}`;
}

export function cursorOfStreamId(streamId: string): Cursor {
  return Number(streamId.slice(2));
}

export function decodeEntry([streamId, fields]: RawEntry): StoredEvent {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!, fields[i + 1]!);
  const [topics, data, type, retryMs, isPrivate] = JSON.parse(values.get('c') ?? '[]') as [
    string[],
    string,
    string | null,
    number | null,
    boolean,
  ];
  return {
    id: values.get('id') ?? '',
    topics,
    data,
    type: type ?? undefined,
    retryMs: retryMs ?? undefined,
    isPrivate,
    cursor: cursorOfStreamId(streamId),
    publishedAtMs: Number(values.get('t')),
  };
}

/**
 * One connection to Redis for a store or broker handle. Commands issued while the connection is
 * down fail at once (no offline queue) instead of waiting: an append must reject with UNAVAILABLE
 * (HTTP 503) so the publisher retries, not hang. The client reconnects by itself, with backoff.
 */
import { createClient } from 'redis';
import { StoreError } from './errors.js';
import { redactedUrl } from './redacted-url.js';

export type RedisConnection = ReturnType<typeof newClient>;

/** Reconnection delays: doubling from 50 ms, capped at 2 s, so a restarted Redis is found quickly. */
const RECONNECT_FIRST_MS = 50;
const RECONNECT_MAX_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Opens a connection; fails with OPEN_FAILED when Redis does not answer the first time.
 * `idleTimeoutMs`: drop (and reconnect) a socket silent that long, for a connection that is never
 * idle when healthy (the broker's blocking reads); a half-open TCP connection would otherwise wait
 * forever.
 */
export async function connectRedis(url: string, idleTimeoutMs?: number): Promise<RedisConnection> {
  let hasConnected = false;
  const client = newClient(url, () => hasConnected, idleTimeoutMs);
  // Without a listener an 'error' event would crash the process; failures reach callers as rejections.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    client.destroy();
    throw new StoreError('OPEN_FAILED', `Cannot connect to Redis at ${redactedUrl(url)}`, { cause: error });
  }
  hasConnected = true;
  return client;
}

function newClient(url: string, hasConnected: () => boolean, idleTimeoutMs: number | undefined) {
  return createClient({
    url,
    // RESP2: replies are plain arrays (stream entries as [id, [field, value, ...]]), the shape the
    // scripts and readers expect.
    RESP: 2,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      socketTimeout: idleTimeoutMs,
      // Before the first connection an error ends `connect()`; after it, retry for as long as it takes.
      reconnectStrategy: (retries, cause) =>
        hasConnected() ? Math.min(RECONNECT_FIRST_MS * 2 ** retries, RECONNECT_MAX_MS) : cause,
    },
  });
}

/** Any failure of a command that is not already a StoreError: Redis is down or refused the write. */
export function unavailable(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreError('UNAVAILABLE', `Redis failed: ${reason}`, { cause: error });
}

/**
 * A test file's own keys on the shared test Redis (127.0.0.1:6379 db 14 unless
 * HERALD_TEST_REDIS_URL says otherwise): every store it opens lives under a prefix of this run,
 * handles are closed after each test, and the run's keys are deleted at the end.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll } from 'vitest';

export const TEST_REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/14';

function adminClient() {
  return createClient({ url: TEST_REDIS_URL });
}

export interface RedisKeyspace {
  /** A plain client for the test's own reads and writes; connected in beforeAll. */
  readonly admin: ReturnType<typeof adminClient>;
  /** Handles closed after each test. */
  readonly toClose: { close(): Promise<void> }[];
  /** A prefix no other test of any run uses. */
  newPrefix(): string;
  /** What an unpersisted Redis restart or a FLUSHDB does to one store: every key of it gone. */
  deleteKeys(prefix: string): Promise<void>;
}

/** Registers the hooks; call once at the top of a test file. */
export function useRedisKeyspace(): RedisKeyspace {
  const runPrefix = `herald-test:${randomUUID()}:`;
  const admin = adminClient();
  let prefixes = 0;
  const space: RedisKeyspace = {
    admin,
    toClose: [],
    newPrefix: () => `${runPrefix}${++prefixes}:`,
    async deleteKeys(prefix) {
      for await (const keys of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
        if (keys.length > 0) await admin.del(keys);
      }
    },
  };
  beforeAll(async () => {
    await admin.connect();
  });
  afterEach(async () => {
    await Promise.all(space.toClose.splice(0).map((handle) => handle.close()));
  });
  afterAll(async () => {
    await space.deleteKeys(runPrefix);
    await admin.close();
  });
  return space;
}

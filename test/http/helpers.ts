import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { createClient } from 'redis';
import { afterEach } from 'vitest';
import { type CreateHubOptions, createHub, type HeraldHub } from '../../src/http/index.js';
import { type OpenedStore, type OpenStoreOptions, openStore } from '../../src/store/open.js';
import { type EventStreamReader, openEventStream, type ReceivedEvent } from '../support/event-stream.js';
import { serveHub } from '../support/listen.js';

export const SECRET = 'test-secret-key-with-enough-bytes-0123456789';
export const RESOURCE = 'https://hub.test/.well-known/mercure';
/** The issuer identifier `SECRET` is bound to: the `iss` of the draft-08 tokens of the tests. */
export const ISSUER = 'https://app.test';

/** A 0.x token (`mercure` claim), HS256. */
export async function legacyToken(
  claims: { publish?: string[]; subscribe?: string[]; payload?: unknown },
  options: { expSec?: number; sub?: string; secret?: string } = {},
): Promise<string> {
  const jwt = new SignJWT({ mercure: claims }).setProtectedHeader({ alg: 'HS256' });
  if (options.expSec !== undefined) jwt.setExpirationTime(options.expSec);
  if (options.sub !== undefined) jwt.setSubject(options.sub);
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

/**
 * A draft-08 access token (typ at+jwt, one Mercure `authorization_details` entry) with every claim
 * RFC 9068 requires issuers to populate: `iss` = `ISSUER`, `aud` = `RESOURCE`, `exp`, `sub`,
 * `client_id`, `iat`, `jti`.
 */
export async function draftToken(
  actions: ('publish' | 'subscribe')[],
  matches: { match: string; match_type?: string }[],
  options: { expSec?: number; sub?: string } = {},
): Promise<string> {
  const detail = { type: 'https://mercure.rocks/authorization-detail', actions, topics: matches };
  return new SignJWT({ authorization_details: [detail], client_id: ISSUER })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setJti(`urn:uuid:${randomUUID()}`)
    .setAudience(RESOURCE)
    .setExpirationTime(options.expSec ?? Math.floor(Date.now() / 1000) + 3600)
    .setSubject(options.sub ?? 'draft-client')
    .sign(new TextEncoder().encode(SECRET));
}

export interface TestHub {
  herald: HeraldHub;
  server: Server;
  url: string;
  close(): Promise<void>;
}

export type StoreKind = 'memory' | 'sqlite' | 'redis';
/** Every HTTP suite that takes a store runs on each of these. */
export const STORE_KINDS: StoreKind[] = ['memory', 'sqlite', 'redis'];

/**
 * The Redis of the tests (127.0.0.1:6379, database 14, unless HERALD_TEST_REDIS_URL says
 * otherwise; see test/store/redis.test.ts). Each test store lives under its own random key prefix.
 */
export const TEST_REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/14';

export interface TestStore {
  opened: OpenedStore;
  /** Removes what the store left behind (the SQLite file, the Redis keys); call after it closed. */
  cleanup(): Promise<void>;
}

/**
 * A new, empty store of `kind` for one hub: memory, SQLite in a temporary directory, or Redis under
 * a random key prefix (so test files running at once never meet).
 */
export async function openTestStore(kind: StoreKind, options: OpenStoreOptions = {}): Promise<TestStore> {
  if (kind === 'memory') return { opened: await openStore('memory', options), cleanup: async () => {} };
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'herald-hub-'));
    try {
      const opened = await openStore(`sqlite:${join(dir, 'hub.db')}`, options);
      return { opened, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const redisKeyPrefix = `herald-test:${randomUUID()}:`;
  const opened = await openStore(TEST_REDIS_URL, { ...options, redisKeyPrefix });
  return { opened, cleanup: () => deleteRedisKeys(TEST_REDIS_URL, redisKeyPrefix) };
}

/** Deletes every key under `prefix`. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const admin = createClient({ url });
  await admin.connect();
  try {
    for await (const keys of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) await admin.del(keys);
    }
  } finally {
    await admin.close();
  }
}

/**
 * A hub on a new store of `kind`, served on loopback. A `store` in `options` replaces it (the test's
 * own); `close` closes the hub, the server, then removes the store's files or keys.
 */
export async function startHub(kind: StoreKind, options: CreateHubOptions = {}): Promise<TestHub> {
  const testStore = options.store === undefined ? await openTestStore(kind) : undefined;
  try {
    const herald = await createHub({
      store: testStore?.opened,
      jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE, issuer: ISSUER },
      // As `herald serve` runs: event streams take their connection over from node:http.
      takeOverConnections: true,
      ...options,
    });
    const served = await serveHub(herald);
    return {
      ...served,
      async close() {
        await served.close();
        await testStore?.cleanup();
      },
    };
  } catch (error) {
    await testStore?.opened.store.close();
    await testStore?.opened.broker.close();
    await testStore?.cleanup();
    throw error;
  }
}

/**
 * For a describe block whose tests each start one hub on `kind`: returns the function that starts
 * it, and closes the latest one after each test. Call once, in the describe block.
 */
export function hubPerTest(kind: StoreKind): (options?: CreateHubOptions) => Promise<TestHub> {
  let current: TestHub | undefined;
  afterEach(async () => current?.close());
  return async (options) => {
    current = await startHub(kind, options);
    return current;
  };
}

export async function publish(
  url: string,
  token: string | undefined,
  fields: [string, string][],
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}/.well-known/mercure`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
  });
}

export type { ReceivedEvent };
/** An open event stream: collects parsed events; `waitFor(n)` waits until n have arrived. */
export type StreamReader = EventStreamReader;

/** Opens `GET /.well-known/mercure?query` on the hub at `url`. */
export function subscribe(
  url: string,
  query: string,
  headers: Record<string, string> = {},
): Promise<StreamReader> {
  return openEventStream(`${url}/.well-known/mercure?${query}`, { headers });
}

/** Waits until the hub has registered `count` subscribers (the subscription is live). */
export async function waitForSubscribers(herald: HeraldHub, count: number): Promise<void> {
  for (let i = 0; i < 500 && herald.hub.subscribers.size < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (herald.hub.subscribers.size < count) throw new Error(`only ${herald.hub.subscribers.size} subscribers`);
}

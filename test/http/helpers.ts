import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterEach } from 'vitest';
import { type CreateHubOptions, createHub, type HeraldHub } from '../../src/http/index.js';
import { openStore } from '../../src/store/open.js';
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

export type StoreKind = 'memory' | 'sqlite';
export const STORE_KINDS: StoreKind[] = ['memory', 'sqlite'];

export async function startHub(kind: StoreKind, options: CreateHubOptions = {}): Promise<TestHub> {
  let dir: string | undefined;
  let storeUrl = 'memory';
  if (kind === 'sqlite') {
    dir = mkdtempSync(join(tmpdir(), 'herald-hub-'));
    storeUrl = `sqlite:${join(dir, 'hub.db')}`;
  }
  const herald = await createHub({
    store: await openStore(storeUrl),
    jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE, issuer: ISSUER },
    ...options,
  });
  return serveHub(herald, () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
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

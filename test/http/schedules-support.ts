import { type CreateHubOptions, createHub, type HeraldHub } from '../../src/http/index.js';
import type { StoredEvent } from '../../src/hub/ports.js';
import { openStore } from '../../src/store/open.js';
import { FakeTime, settle } from '../support/fake-time.js';
import { serveHub } from '../support/listen.js';
import { ISSUER, RESOURCE, SECRET } from './helpers.js';

/** 2026-03-27T00:00:00Z: two days before Europe/Oslo moves to summer time. */
export const START_MS = Date.UTC(2026, 2, 27);

export interface TimedHub {
  herald: HeraldHub;
  url: string;
  close(): Promise<void>;
}

/** A hub on a store URL, its clock and its scheduler's timers on `time`, served on port 0. */
export async function startTimedHub(
  storeUrl: string,
  time: FakeTime,
  options: CreateHubOptions = {},
): Promise<TimedHub> {
  const herald = await createHub({
    store: await openStore(storeUrl),
    jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE, issuer: ISSUER },
    allowAnonymous: true,
    clock: time,
    timers: time,
    pruneIntervalMs: 0,
    ...options,
  });
  return serveHub(herald);
}

/** Lets in-flight requests and scheduler passes finish, moves fake time, lets them finish again. */
export async function advance(time: FakeTime, ms: number): Promise<void> {
  for (let i = 0; i < 5; i++) await settle();
  await time.advanceBy(ms);
  for (let i = 0; i < 5; i++) await settle();
}

/** Every event in the hub's store, oldest first. */
export async function storedEvents(herald: HeraldHub): Promise<StoredEvent[]> {
  const head = await herald.hub.store.headCursor();
  return herald.hub.store.readRange(0, head, 10_000);
}

export function schedulesRequest(
  url: string,
  token: string | undefined,
  path = '',
  method = 'GET',
): Promise<Response> {
  return fetch(`${url}/.well-known/mercure/schedules${path}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

export { FakeTime };

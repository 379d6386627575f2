import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub, type HeraldHub } from '../../src/http/index.js';
import { EventStreamParser, type ParsedEvent } from '../../src/sse/index.js';
import { closeServer, listenOnLoopback } from '../support/listen.js';
import {
  ISSUER,
  legacyToken,
  openTestStore,
  publish,
  RESOURCE,
  SECRET,
  STORE_KINDS,
  type StoreKind,
  subscribe,
  waitForSubscribers,
} from './helpers.js';

const HUB = 'http://hub.test/.well-known/mercure';

async function openHub(kind: StoreKind, cleanups: (() => Promise<void> | void)[], extra = {}) {
  const { opened, cleanup } = await openTestStore(kind);
  cleanups.push(cleanup);
  const herald = await createHub({
    store: opened,
    jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE, issuer: ISSUER },
    allowAnonymous: true,
    ...extra,
  });
  cleanups.unshift(() => herald.close());
  return herald;
}

/** A Hono app on @hono/node-server that mounts the hub's Fetch handler. */
async function serveWithHono(herald: HeraldHub, cleanups: (() => Promise<void> | void)[]) {
  const app = new Hono();
  app.get('/app', (c) => c.text('app route'));
  app.all('*', (c) => herald.handleFetch(c.req.raw, { clientAddress: getConnInfo(c).remote.address }));
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  const port = await listenOnLoopback(server);
  cleanups.unshift(() => closeServer(server));
  return `http://127.0.0.1:${port}`;
}

/** Reads events from a Fetch Response body until `count` have arrived. */
async function readEvents(response: Response, count: number): Promise<ParsedEvent[]> {
  const events: ParsedEvent[] = [];
  const parser = new EventStreamParser({ onEvent: (event) => events.push(event) });
  const reader = response.body!.getReader();
  while (events.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(value);
  }
  await reader.cancel();
  return events;
}

function publishRequest(token: string, fields: [string, string][], extra: Record<string, string> = {}) {
  return new Request(HUB, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/x-www-form-urlencoded',
      ...extra,
    },
    body: new URLSearchParams(fields).toString(),
  });
}

describe.each(STORE_KINDS)('handleFetch (%s store)', (kind) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('serves publish and subscribe natively, without a loopback server', async () => {
    const herald = await openHub(kind, cleanups);
    const controller = new AbortController();
    const response = await herald.handleFetch(new Request(`${HUB}?topic=a`, { signal: controller.signal }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('connection')).toBeNull();
    const token = await legacyToken({ publish: ['*'] });
    const published = await herald.handleFetch(
      publishRequest(token, [
        ['topic', 'a'],
        ['data', 'hello'],
      ]),
    );
    expect(published.status).toBe(200);
    const id = await published.text();
    const [event] = await readEvents(response, 1);
    expect(event).toMatchObject({ lastEventId: id, data: 'hello' });
    controller.abort();
    for (let i = 0; i < 100 && herald.hub.subscribers.size > 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(herald.hub.subscribers.size).toBe(0);
  });

  it('replays history after Last-Event-ID, then serves long-poll and short-poll as JSON', async () => {
    const herald = await openHub(kind, cleanups);
    const token = await legacyToken({ publish: ['*'] });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        await (
          await herald.handleFetch(
            publishRequest(token, [
              ['topic', 'r'],
              ['data', `${i}`],
            ]),
          )
        ).text(),
      );
    }
    const stream = await herald.handleFetch(
      new Request(`${HUB}?topic=r`, { headers: { 'last-event-id': ids[1]! } }),
    );
    const events = await readEvents(stream, 3);
    expect(events.map((e) => e.data)).toEqual(['2', '3', '4']);
    const short = await herald.handleFetch(
      new Request(`${HUB}?topic=r&transport=short-poll&lastEventID=${ids[3]}`),
    );
    expect((await short.json()).events.map((e: { data: string }) => e.data)).toEqual(['4']);
    const pending = herald.handleFetch(
      new Request(`${HUB}?topic=r&transport=long-poll&lastEventID=${ids[4]}`),
    );
    await waitForSubscribers(herald, 1);
    await herald.handleFetch(
      publishRequest(token, [
        ['topic', 'r'],
        ['data', 'late'],
      ]),
    );
    expect((await (await pending).json()).events.map((e: { data: string }) => e.data)).toEqual(['late']);
  });

  it('answers errors, CORS preflight, healthz and metrics', async () => {
    const herald = await openHub(kind, cleanups, { corsOrigins: ['https://app.test'], maxBodyBytes: 64 });
    expect((await herald.handleFetch(new Request(HUB))).status).toBe(400);
    const unauthorized = await herald.handleFetch(publishRequest('bad', [['topic', 'a']]));
    expect(unauthorized.status).toBe(401);
    // Every Bearer challenge carries the resource metadata link (draft-08 §Error Responses).
    expect(unauthorized.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token", resource_metadata="https://hub.test/.well-known/oauth-protected-resource/.well-known/mercure"',
    );
    const token = await legacyToken({ publish: ['*'] });
    const tooLarge = await herald.handleFetch(
      publishRequest(token, [
        ['topic', 'a'],
        ['data', 'x'.repeat(100)],
      ]),
    );
    expect(tooLarge.status).toBe(413);
    const preflight = await herald.handleFetch(
      new Request(HUB, { method: 'OPTIONS', headers: { origin: 'https://app.test' } }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.test');
    const health = await herald.handleFetch(new Request('http://hub.test/healthz'));
    expect((await health.json()).status).toBe('ok');
    const metrics = await herald.handleFetch(new Request('http://hub.test/metrics'));
    expect(await metrics.text()).toContain('herald_connections');
    expect((await herald.handleFetch(new Request('http://hub.test/nope'))).status).toBe(404);
  });

  it('limits connections per client address given by the host', async () => {
    const herald = await openHub(kind, cleanups, { maxConnectionsPerIp: 1 });
    const first = await herald.handleFetch(new Request(`${HUB}?topic=a`), { clientAddress: '10.0.0.1' });
    expect(first.status).toBe(200);
    const second = await herald.handleFetch(new Request(`${HUB}?topic=a`), { clientAddress: '10.0.0.1' });
    expect(second.status).toBe(429);
    const other = await herald.handleFetch(new Request(`${HUB}?topic=a`), { clientAddress: '10.0.0.2' });
    expect(other.status).toBe(200);
    await first.body?.cancel();
    await other.body?.cancel();
  });

  it('works mounted in a Hono app on @hono/node-server: publish, subscribe, replay, errors', async () => {
    const herald = await openHub(kind, cleanups);
    const url = await serveWithHono(herald, cleanups);
    expect(await (await fetch(`${url}/app`)).text()).toBe('app route');
    const token = await legacyToken({ publish: ['*'] });
    const first = await (
      await publish(url, token, [
        ['topic', 'h'],
        ['data', 'old'],
      ])
    ).text();
    const stream = await subscribe(url, `topic=h&lastEventID=earliest`);
    expect(stream.response.status).toBe(200);
    await waitForSubscribers(herald, 1);
    const second = await (
      await publish(url, token, [
        ['topic', 'h'],
        ['data', 'new'],
      ])
    ).text();
    const events = await stream.waitFor(2);
    expect(events.map((e) => [e.id, e.data])).toEqual([
      [first, 'old'],
      [second, 'new'],
    ]);
    stream.close();
    expect((await publish(url, undefined, [['topic', 'h']])).status).toBe(401);
    expect((await fetch(`${url}/.well-known/mercure`, { method: 'PUT' })).status).toBe(405);
    for (let i = 0; i < 200 && herald.hub.subscribers.size > 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(herald.hub.subscribers.size).toBe(0);
  });

  it('paces a long replay to the reader of the Fetch body: 2,000 events through an 8 KiB queue, in order', async () => {
    const herald = await openHub(kind, cleanups, { maxQueueBytes: 8 * 1024 });
    const ids: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      ids.push((await herald.publish({ topics: ['long'], data: `${i} ${'y'.repeat(60)}` })).id);
    }
    const response = await herald.handleFetch(new Request(`${HUB}?topic=long&lastEventID=earliest`));
    const events = await readEvents(response, 2_000);
    expect(events.map((e) => e.lastEventId)).toEqual(ids);
  });
});

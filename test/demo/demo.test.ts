import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoHub, type DemoHubOptions } from '../../src/demo/index.js';
import { type CreateHubOptions, createHub } from '../../src/http/index.js';
import { legacyToken, publish, SECRET } from '../http/helpers.js';
import { serveHub } from '../support/listen.js';

interface TokenJson {
  token: string;
  subject: string;
  role: string;
  expiresAtMs: number;
  topicPrefix: string;
  features: { subscriptionsApi: boolean };
  user?: { id: string; name: string; timeZone: string };
  users: { id: string; name: string; timeZone: string }[];
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function start(options: DemoHubOptions & { demo?: DemoHubOptions['demo'] | false }): Promise<string> {
  const { demo, ...hubOptions } = options;
  const herald = demo === false ? await createHub(hubOptions) : await createDemoHub({ ...hubOptions, demo });
  const { url, close } = await serveHub(herald);
  closers.push(close);
  return url;
}

/** A built-pages stand-in: two pages and a script under `assets/`, as the Vite build lays them out. */
function fakeWebDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-demo-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Herald demo</title>');
  writeFileSync(join(dir, 'chat.html'), '<!doctype html><title>Chat</title>');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'chat-1a2b.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'notes.txt'), 'not a page asset');
  closers.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function demoUserToken(url: string, user: string): Promise<TokenJson> {
  const response = await fetch(`${url}/demo/token?user=${user}`, { method: 'POST' });
  expect(response.status).toBe(200);
  return (await response.json()) as TokenJson;
}

async function demoToken(url: string, role = 'publisher'): Promise<TokenJson> {
  const response = await fetch(`${url}/demo/token?role=${role}&name=Ann`, { method: 'POST' });
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return (await response.json()) as TokenJson;
}

const demoOptions = (extra: CreateHubOptions = {}): DemoHubOptions => ({
  demo: { webDir: fakeWebDir(), tickerIntervalMs: 0 },
  ...extra,
});

describe('demo mode', () => {
  it('serves the pages at / and /<name>, and their assets under /demo/', async () => {
    const url = await start(demoOptions());
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<title>Herald demo</title>');
    const chat = await fetch(`${url}/chat`);
    expect(chat.status).toBe(200);
    expect(await chat.text()).toContain('<title>Chat</title>');
    expect(chat.headers.get('cache-control')).toBe('no-store');
    const script = await fetch(`${url}/demo/assets/chat-1a2b.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    // Hashed names: cached for good; and never sniffed as another type.
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await script.text()).toBe('console.log(1)');
    // Pages only by their short URL; files of other types, paths out of the directory and unknown
    // names are not the demo's.
    for (const path of [
      '/demo/chat.html',
      '/demo/assets/notes.txt',
      '/demo/../package.json',
      '/demo/missing.css',
      '/nope',
      '/Chat',
    ]) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(404);
    }
  });

  it("issues fake users' tokens: each reads its own private topic and no other's", async () => {
    const url = await start(demoOptions());
    const alice = await demoUserToken(url, 'alice');
    const bob = await demoUserToken(url, 'bob');
    expect(alice.user).toEqual({ id: 'alice', name: 'Alice', timeZone: 'Europe/Oslo' });
    expect(alice.users.map((user) => user.id)).toEqual(['alice', 'bob', 'carol', 'dev']);
    const aliceTopic = `${alice.topicPrefix}users/alice`;
    const sent = await publish(url, bob.token, [
      ['topic', aliceTopic],
      ['data', 'for Alice only'],
      ['private', 'on'],
    ]);
    expect(sent.status).toBe(200);
    const read = async (token: string) => {
      const query = new URLSearchParams({
        topic: aliceTopic,
        transport: 'short-poll',
        lastEventID: 'earliest',
      });
      const response = await fetch(`${url}/.well-known/mercure?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { events: { data: string }[] }).events.map((event) => event.data);
    };
    expect(await read(alice.token)).toEqual(['for Alice only']);
    expect(await read(bob.token)).toEqual([]);
  });

  it('serves the ticker snapshot at /demo/stocks, whose id resumes the stream with nothing missed', async () => {
    const url = await start({ demo: { webDir: fakeWebDir(), tickerIntervalMs: 20 } });
    const topic = 'https://demo.herald.dev/stocks/{symbol}';
    // A subscriber keeps the ticker publishing; its short polls return what was published.
    const poll = async (lastEventId: string) => {
      const query = new URLSearchParams({ topic, transport: 'short-poll', lastEventID: lastEventId });
      const body = (await (await fetch(`${url}/.well-known/mercure?${query}`)).json()) as {
        events: { id: string; data: string }[];
      };
      return body.events;
    };
    const stream = await fetch(`${url}/.well-known/mercure?topic=${encodeURIComponent(topic)}`);
    let snapshot = {
      lastEventId: null as string | null,
      prices: [] as { symbol: string; priceCents: number }[],
    };
    for (let i = 0; i < 100 && snapshot.lastEventId === null; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      snapshot = await (await fetch(`${url}/demo/stocks`)).json();
    }
    expect(snapshot.prices).toHaveLength(20);
    const resumeFrom = snapshot.lastEventId ?? '';
    const history = await poll('earliest');
    const position = history.findIndex((event) => event.id === resumeFrom);
    expect(position).toBeGreaterThanOrEqual(0);
    // Replaying the history up to the snapshot's id gives exactly the snapshot's prices.
    const replayed = new Map<string, number>();
    for (const event of history.slice(0, position + 1)) {
      const price = JSON.parse(event.data) as { symbol: string; priceCents: number };
      replayed.set(price.symbol, price.priceCents);
    }
    for (const [symbol, priceCents] of replayed) {
      expect(snapshot.prices.find((price) => price.symbol === symbol)?.priceCents, symbol).toBe(priceCents);
    }
    // Resuming after it gives exactly the events after it: wait until there are some, then compare.
    let resumed = await poll(resumeFrom);
    for (let i = 0; i < 100 && resumed.length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      resumed = await poll(resumeFrom);
    }
    expect(resumed.length).toBeGreaterThan(0);
    const after = (await poll('earliest')).map((event) => event.id);
    const expected = after.slice(
      after.indexOf(resumeFrom) + 1,
      after.indexOf(resumeFrom) + 1 + resumed.length,
    );
    expect(resumed.map((event) => event.id)).toEqual(expected);
    await stream.body?.cancel();
  });

  it('answers 400 naming the field for an unknown demo user', async () => {
    const url = await start(demoOptions());
    const response = await fetch(`${url}/demo/token?user=mallory`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(
      /^user: unknown demo user "mallory"; one of alice, bob, carol, dev/m,
    );
  });

  it('issues a token that publishes only on the topics the pages write, and is refused (403) elsewhere', async () => {
    const url = await start(demoOptions());
    const { token, topicPrefix, role, expiresAtMs } = await demoToken(url);
    expect(role).toBe('publisher');
    expect(expiresAtMs - Date.now()).toBeLessThanOrEqual(10 * 60 * 1000);
    for (const path of ['notifications', 'users/bob', 'chat/general', 'lab/run-1']) {
      const response = await publish(url, token, [
        ['topic', `${topicPrefix}${path}`],
        ['data', 'hi'],
      ]);
      expect(response.status, path).toBe(200);
    }
    // The ticker's topics are the in-process publisher's: no page can forge a price.
    for (const topic of [
      `${topicPrefix}stocks/HRLD`,
      `${topicPrefix}ok`,
      `${topicPrefix}lab/run-1/x`,
      'https://example.com/orders/1',
    ]) {
      expect((await publish(url, token, [['topic', topic]])).status, topic).toBe(403);
    }
    const mixed = await publish(url, token, [
      ['topic', `${topicPrefix}notifications`],
      ['topic', 'https://example.com/orders/1'],
    ]);
    expect(mixed.status).toBe(403);
  });

  it("reads the subscriptions of the demo's topics only, never an application's", async () => {
    const url = await start({ ...demoOptions(), subscriptionsApi: true });
    const { token, topicPrefix } = await demoUserToken(url, 'alice');
    const room = `${topicPrefix}chat/general`;
    const app = 'https://example.com/orders/1';
    const streams = await Promise.all(
      [room, app].map((topic) => fetch(`${url}/.well-known/mercure?topic=${encodeURIComponent(topic)}`)),
    );
    const list = (topic: string) =>
      fetch(`${url}/.well-known/mercure/subscriptions/${encodeURIComponent(topic)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    const own = await list(room);
    expect(own.status).toBe(200);
    expect(((await own.json()) as { subscriptions: unknown[] }).subscriptions).toHaveLength(1);
    expect((await list(app)).status).toBe(403);
    for (const stream of streams) await stream.body?.cancel();
  });

  it('answers 400 naming the field for a role that is neither publisher nor subscriber', async () => {
    const url = await start(demoOptions());
    for (const role of ['admin', 'Subscriber', '']) {
      const response = await fetch(`${url}/demo/token?role=${role}`, { method: 'POST' });
      expect(response.status, role).toBe(400);
      expect(await response.text()).toMatch(/^role: must be publisher or subscriber/m);
    }
  });

  it('gives the subscriber role a token that cannot publish', async () => {
    const url = await start(demoOptions());
    const { token, topicPrefix } = await demoToken(url, 'subscriber');
    const response = await publish(url, token, [['topic', `${topicPrefix}chat/general`]]);
    expect(response.status).toBe(403);
  });

  it('lets anonymous subscribers in', async () => {
    const url = await start(demoOptions());
    const response = await fetch(`${url}/.well-known/mercure?topic=x&transport=short-poll`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ events: [] });
  });

  it('keeps accepting tokens signed with a configured key beside its own', async () => {
    const url = await start(demoOptions({ jwt: { key: { type: 'hmac', secret: SECRET } } }));
    const configured = await legacyToken({ publish: ['*'] });
    expect((await publish(url, configured, [['topic', 'https://example.com/a']])).status).toBe(200);
    const { token, topicPrefix } = await demoToken(url);
    expect((await publish(url, token, [['topic', `${topicPrefix}notifications`]])).status).toBe(200);
    expect((await publish(url, 'not-a-token', [['topic', 'https://example.com/a']])).status).toBe(401);
  });

  it('rejects a demo token forged with another key', async () => {
    const url = await start(demoOptions());
    const { topicPrefix } = await demoToken(url);
    const forged = await legacyToken({ publish: ['*'] });
    expect((await publish(url, forged, [['topic', `${topicPrefix}notifications`]])).status).toBe(401);
  });
});

describe('without demo mode', () => {
  it('answers 404 to POST /demo/token and does not serve the demo page', async () => {
    const url = await start({ demo: false, jwt: { key: { type: 'hmac', secret: SECRET } } });
    expect((await fetch(`${url}/demo/token`, { method: 'POST' })).status).toBe(404);
    for (const path of ['/demo/assets/chat-1a2b.js', '/demo/stocks', '/stocks', '/chat']) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(404);
    }
    // The hub is no site: `/` is a 404 of one line saying where the hub is, never a page.
    const home = await fetch(`${url}/`);
    expect(home.status).toBe(404);
    expect(await home.text()).toBe('not found: this is a Mercure hub, at /.well-known/mercure\n');
  });
});

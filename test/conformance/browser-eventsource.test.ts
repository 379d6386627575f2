/**
 * End to end in Debian Chromium: the browser's own `EventSource` subscribes to the hub, a publisher
 * posts a public and a private update, and the page receives exactly what the token allows. Once per
 * protocol version, on one hub configured for both (resource + issuer): a 0.x token (the `mercure`
 * claim, HS256, no `iss`) in the 0.x cookie, and a current-draft access token (`at+jwt`) in the
 * cookie the current text recommends. That cookie's `__Secure-` prefix needs TLS: the browser's
 * page and stream are served over HTTPS (a throwaway certificate), the publisher posts over HTTP.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type HeraldHub } from '../../src/http/index.js';
import {
  draftToken,
  ISSUER,
  legacyToken,
  publish,
  RESOURCE,
  SECRET,
  waitForSubscribers,
} from '../http/helpers.js';
import { launchChromium } from '../support/chromium.js';
import { closeServer, listenOnLoopback, serveOnLoopback } from '../support/listen.js';
import { selfSignedCertificate } from '../support/tls.js';

const NEWS = 'https://example.com/news';
const ALICE = 'https://example.com/users/alice';
const BOB = 'https://example.com/users/bob';

/** The page records what a real EventSource receives, and whether it saw an error. */
const page = (query: string) => `<!doctype html><meta charset="utf-8"><script>
  window.received = [];
  window.errors = 0;
  const source = new EventSource('/.well-known/mercure?${query}');
  source.onmessage = (event) => window.received.push({ data: event.data, id: event.lastEventId });
  source.onerror = () => window.errors++;
</script>`;

interface Received {
  data: string;
  id: string;
}

interface Version {
  name: string;
  /** The subscription to NEWS, ALICE and BOB in this version's parameter names (the token grants NEWS and ALICE). */
  query: string;
  cookieName: string;
  subscriberToken(): Promise<string>;
  publisherToken(): Promise<string>;
}

const VERSIONS: Version[] = [
  {
    name: '0.x (mercure claim, HS256, no iss)',
    query: [NEWS, ALICE, BOB].map((t) => `topic=${encodeURIComponent(t)}`).join('&'),
    cookieName: 'mercureAuthorization',
    subscriberToken: () => legacyToken({ subscribe: [NEWS, ALICE] }),
    publisherToken: () => legacyToken({ publish: ['*'] }),
  },
  {
    name: 'current draft (at+jwt, authorization_details)',
    query: [NEWS, ALICE, BOB].map((t) => `match=${encodeURIComponent(t)}`).join('&'),
    cookieName: '__Secure-mercure_access_token',
    subscriberToken: () => draftToken(['subscribe'], [{ match: NEWS }, { match: ALICE }]),
    publisherToken: () => draftToken(['publish'], [{ match: '*' }]),
  },
];

let browser: Browser;
let herald: HeraldHub;
/** Where the publisher posts (HTTP) and where the browser goes (HTTPS): one hub behind both. */
let url: string;
let browserUrl: string;
const closers: (() => Promise<void> | void)[] = [];
let context: BrowserContext | undefined;

beforeAll(async () => {
  browser = await launchChromium();
  // One hub, one configuration, both versions at once.
  herald = await createHub({
    hubUrl: RESOURCE,
    jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE, issuer: ISSUER },
  });
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/page') {
      const query = new URL(req.url ?? '/', 'http://page.invalid').searchParams.get('q') ?? '';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(query));
      return;
    }
    herald.handleNode(req, res);
  };
  const served = await serveOnLoopback(handle);
  url = served.url;
  closers.push(served.close);
  const dir = mkdtempSync(join(tmpdir(), 'herald-browser-tls-'));
  closers.push(() => rmSync(dir, { recursive: true, force: true }));
  const { certPath, keyPath } = selfSignedCertificate(dir);
  const secure = createHttpsServer({ cert: readFileSync(certPath), key: readFileSync(keyPath) }, handle);
  browserUrl = `https://localhost:${await listenOnLoopback(secure)}`;
  closers.unshift(() => closeServer(secure));
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

afterAll(async () => {
  await herald?.close();
  for (const close of closers) await close();
  await browser?.close();
});

describe.each(VERSIONS)('a browser EventSource with a $name token', (version) => {
  it('receives the public update and its own private one, never another user’s, in order', async () => {
    context = await browser.newContext({ ignoreHTTPSErrors: true });
    await context.addCookies([
      {
        name: version.cookieName,
        value: await version.subscriberToken(),
        url: browserUrl,
        httpOnly: true,
        secure: true,
        sameSite: 'Strict',
      },
    ]);
    const tab = await context.newPage();
    const before = herald.hub.subscribers.size;
    await tab.goto(`${browserUrl}/page?q=${encodeURIComponent(version.query)}`);
    await waitForSubscribers(herald, before + 1);

    const publisher = await version.publisherToken();
    const ids: string[] = [];
    const post = async (fields: [string, string][]) => {
      const response = await publish(url, publisher, fields);
      expect(response.status).toBe(200);
      ids.push(await response.text());
    };
    await post([
      ['topic', NEWS],
      ['data', 'public news'],
    ]);
    await post([
      ['topic', ALICE],
      ['data', 'private to alice'],
      ['private', 'on'],
    ]);
    // The page subscribes to BOB too, but its token grants no subscribe there: Bob's private
    // update must not reach it. The fence after it proves it did not come.
    await post([
      ['topic', BOB],
      ['data', 'private to bob'],
      ['private', 'on'],
    ]);
    await post([
      ['topic', NEWS],
      ['data', 'fence'],
    ]);

    await tab.waitForFunction(() =>
      (window as unknown as { received: Received[] }).received.some((m) => m.data === 'fence'),
    );
    const received = await tab.evaluate(() => (window as unknown as { received: Received[] }).received);
    expect(received).toEqual([
      { data: 'public news', id: ids[0] },
      { data: 'private to alice', id: ids[1] },
      { data: 'fence', id: ids[3] },
    ]);
    expect(await tab.evaluate(() => (window as unknown as { errors: number }).errors)).toBe(0);
  });
});

import { once } from 'node:events';
import { type ClientHttp2Session, connect, type IncomingHttpHeaders } from 'node:http2';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub, type HeraldHub } from '../../src/http/index.js';
import { createHubServer, type HubServer } from '../../src/http/tls-server.js';
import { EventStreamParser, type ParsedEvent } from '../../src/sse/index.js';
import { launchChromium } from '../support/chromium.js';
import { listenOnLoopback } from '../support/listen.js';
import { suiteCertificate } from '../support/tls.js';
import {
  ISSUER,
  legacyToken,
  openTestStore,
  RESOURCE,
  SECRET,
  STORE_KINDS,
  type StoreKind,
} from './helpers.js';

const CONNECTION_SPECIFIC = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'];

const certificate = suiteCertificate('herald-tls-');

interface SecureHub {
  herald: HeraldHub;
  hubServer: HubServer;
  port: number;
  sessions: number;
  close(): Promise<void>;
}

async function startSecureHub(kind: StoreKind): Promise<SecureHub> {
  const { opened, cleanup } = await openTestStore(kind);
  const herald = await createHub({
    store: opened,
    jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE, issuer: ISSUER },
    allowAnonymous: true,
  });
  const hubServer = createHubServer(herald, certificate());
  const port = await listenOnLoopback(hubServer.server);
  const hub: SecureHub = {
    herald,
    hubServer,
    port,
    sessions: 0,
    async close() {
      await herald.close();
      hubServer.closeAllConnections();
      await new Promise((resolve) => hubServer.server.close(resolve));
      await cleanup();
    },
  };
  hubServer.server.on('session', () => hub.sessions++);
  return hub;
}

async function h2Request(
  session: ClientHttp2Session,
  headers: Record<string, string>,
  body?: string,
): Promise<{ headers: IncomingHttpHeaders; text: string }> {
  const stream = session.request(headers);
  if (body !== undefined) stream.end(body);
  const [responseHeaders] = (await once(stream, 'response')) as [IncomingHttpHeaders];
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk;
  return { headers: responseHeaders, text };
}

function expectNoConnectionHeaders(headers: IncomingHttpHeaders): void {
  for (const name of CONNECTION_SPECIFIC) expect(headers[name]).toBeUndefined();
}

describe.each(STORE_KINDS)('HTTP/2 over TLS (%s store)', (kind) => {
  let hub: SecureHub | undefined;
  let session: ClientHttp2Session | undefined;
  afterEach(async () => {
    session?.destroy();
    await hub?.close();
  });

  it('subscribes over HTTP/2 and receives an event published on the same session', async () => {
    hub = await startSecureHub(kind);
    session = connect(`https://localhost:${hub.port}`, { rejectUnauthorized: false });
    session.on('error', () => {});
    const stream = session.request({ ':path': '/.well-known/mercure?topic=h2' });
    const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders];
    expect(headers[':status']).toBe(200);
    expect(headers['content-type']).toMatch(/^text\/event-stream/);
    expectNoConnectionHeaders(headers);
    const events: ParsedEvent[] = [];
    const parser = new EventStreamParser({ onEvent: (event) => events.push(event) });
    stream.on('data', (chunk: Buffer) => parser.feed(chunk));
    const token = await legacyToken({ publish: ['*'] });
    const published = await h2Request(
      session,
      {
        ':method': 'POST',
        ':path': '/.well-known/mercure',
        authorization: `Bearer ${token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      'topic=h2&data=over+h2',
    );
    expect(published.headers[':status']).toBe(200);
    expectNoConnectionHeaders(published.headers);
    for (let i = 0; i < 200 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual([{ type: 'message', data: 'over h2', lastEventId: published.text }]);
    stream.close();
  });

  it('answers JSON, text errors and polls over HTTP/2 without connection-specific headers', async () => {
    hub = await startSecureHub(kind);
    session = connect(`https://localhost:${hub.port}`, { rejectUnauthorized: false });
    session.on('error', () => {});
    const health = await h2Request(session, { ':path': '/healthz' });
    expect(JSON.parse(health.text).status).toBe('ok');
    expectNoConnectionHeaders(health.headers);
    const missingTopic = await h2Request(session, { ':path': '/.well-known/mercure' });
    expect(missingTopic.headers[':status']).toBe(400);
    expectNoConnectionHeaders(missingTopic.headers);
    const unauthorized = await h2Request(
      session,
      { ':method': 'POST', ':path': '/.well-known/mercure' },
      'x',
    );
    expect(unauthorized.headers[':status']).toBe(401);
    expectNoConnectionHeaders(unauthorized.headers);
    const poll = await h2Request(session, {
      ':path': '/.well-known/mercure?topic=p&transport=short-poll&lastEventID=earliest',
    });
    expect(JSON.parse(poll.text).events).toEqual([]);
    expectNoConnectionHeaders(poll.headers);
  });

  it('serves HTTP/1.1 over TLS on the same port (ALPN)', async () => {
    hub = await startSecureHub(kind);
    const { status, protocol, body } = await new Promise<{
      status?: number;
      protocol: unknown;
      body: string;
    }>((resolve, reject) => {
      const options: RequestOptions & Pick<ConnectionOptions, 'ALPNProtocols'> = {
        host: '127.0.0.1',
        port: hub!.port,
        path: '/healthz',
        rejectUnauthorized: false,
        ALPNProtocols: ['http/1.1'],
        agent: false,
      };
      const req = httpsRequest(options, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode, protocol: (res.socket as TLSSocket).alpnProtocol, body: text }),
        );
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(protocol).toBe('http/1.1');
    expect(JSON.parse(body).status).toBe('ok');
    expect(hub.sessions).toBe(0);
  });
});

describe('HTTP/2 in Chromium', () => {
  it('serves ten EventSources to one origin over one HTTP/2 connection; all ten receive the event', async () => {
    const hub = await startSecureHub('memory');
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      const origin = `https://localhost:${hub.port}`;
      await page.goto(`${origin}/healthz`);
      const opened = await page.evaluate(async () => {
        const sources: EventSource[] = [];
        const received: string[][] = [];
        (globalThis as unknown as { received: string[][] }).received = received;
        await Promise.all(
          Array.from({ length: 10 }, (_, i) => {
            const source = new EventSource(`/.well-known/mercure?topic=ten&n=${i}`);
            sources.push(source);
            received.push([]);
            source.onmessage = (event) => received[i]!.push(event.data);
            return new Promise<void>((resolve, reject) => {
              source.onopen = () => resolve();
              source.onerror = () => reject(new Error(`source ${i} failed`));
            });
          }),
        );
        const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        return { count: sources.length, protocol: navigation.nextHopProtocol };
      });
      expect(opened).toEqual({ count: 10, protocol: 'h2' });
      expect(hub.herald.hub.subscribers.size).toBe(10);
      await hub.herald.publish({ topics: ['ten'], data: 'to all ten' });
      await page.waitForFunction(() =>
        (globalThis as unknown as { received: string[][] }).received.every((list) => list.length === 1),
      );
      const received = await page.evaluate(
        () => (globalThis as unknown as { received: string[][] }).received,
      );
      expect(received).toEqual(Array.from({ length: 10 }, () => ['to all ten']));
      // Over HTTP/1.1 a browser allows 6 connections per origin; ten open streams need HTTP/2.
      expect(hub.sessions).toBe(1);
    } finally {
      await browser.close();
      await hub.close();
    }
  }, 30_000);
});

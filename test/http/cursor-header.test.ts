/**
 * The cursor headers carry event ids, which may be any Unicode text, over every host Herald runs on:
 * an id outside Latin-1 once made the response header throw (a 500). The `Last-Event-ID` a client
 * sends and the `Mercure-Last-Event-ID` the hub answers both carry the id's UTF-8 bytes. (node:http
 * is covered by test/conformance/draft08-publication.test.ts.)
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type IncomingHttpHeaders } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { utf8ByteString, utf8FromByteString } from '../../src/client/byte-string.js';
import { createHub, type HeraldHub } from '../../src/http/index.js';
import { createHubServer } from '../../src/http/tls-server.js';
import { EventStreamParser, type ParsedEvent } from '../../src/sse/index.js';
import { openStore } from '../../src/store/open.js';
import { listenOnLoopback } from '../support/listen.js';
import { selfSignedCertificate } from '../support/tls.js';
import { ISSUER, RESOURCE, SECRET } from './helpers.js';

const ID = 'urn:x:中文-🙂';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A hub whose history is the event `ID` (data `first`), then one more (data `after`). */
async function hubWithHistory(): Promise<HeraldHub> {
  const herald = await createHub({
    store: await openStore('memory'),
    jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE, issuer: ISSUER },
    allowAnonymous: true,
  });
  cleanups.push(() => herald.close());
  await herald.publish({ topics: ['https://example.com/a'], id: ID, data: 'first' });
  await herald.publish({ topics: ['https://example.com/a'], data: 'after' });
  return herald;
}

describe('ids outside Latin-1 in the cursor headers', () => {
  it('over node:http2: the request header resumes after the id, and the response field names it', async () => {
    const herald = await hubWithHistory();
    const certDir = mkdtempSync(join(tmpdir(), 'herald-cursor-tls-'));
    cleanups.push(() => rmSync(certDir, { recursive: true, force: true }));
    const hubServer = createHubServer(herald, selfSignedCertificate(certDir));
    const port = await listenOnLoopback(hubServer.server);
    cleanups.push(async () => {
      hubServer.closeAllConnections();
      await new Promise((resolve) => hubServer.server.close(resolve));
    });
    const session = connect(`https://localhost:${port}`, { rejectUnauthorized: false });
    session.on('error', () => {});
    cleanups.push(() => {
      session.destroy();
    });
    const stream = session.request({
      ':path': '/.well-known/mercure?match=*',
      'last-event-id': utf8ByteString(ID),
    });
    const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders];
    expect(headers[':status']).toBe(200);
    expect(utf8FromByteString(String(headers['mercure-last-event-id']))).toBe(ID);
    const events: ParsedEvent[] = [];
    const parser = new EventStreamParser({ onEvent: (event) => events.push(event) });
    stream.on('data', (chunk: Buffer) => parser.feed(chunk));
    for (let i = 0; i < 200 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(events.map((event) => event.data)).toEqual(['after']);
    stream.close();
  });

  it('over Fetch (handleFetch): the same, for an event stream and a poll', async () => {
    const herald = await hubWithHistory();
    const hub = 'http://hub.test/.well-known/mercure';
    const controller = new AbortController();
    const streamed = await herald.handleFetch(
      new Request(`${hub}?match=*`, {
        headers: { 'last-event-id': utf8ByteString(ID) },
        signal: controller.signal,
      }),
    );
    expect(streamed.status).toBe(200);
    expect(utf8FromByteString(streamed.headers.get('mercure-last-event-id') ?? '')).toBe(ID);
    controller.abort();
    const polled = await herald.handleFetch(
      new Request(`${hub}?match=*&transport=short-poll&last_event_id=${encodeURIComponent(ID)}`),
    );
    expect(utf8FromByteString(polled.headers.get('mercure-last-event-id') ?? '')).toBe(ID);
    expect(((await polled.json()) as { events: { data: string }[] }).events.map((e) => e.data)).toEqual([
      'after',
    ]);
  });
});

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { pathOfTarget } from '../../src/http/access-log.js';
import { createHub } from '../../src/http/index.js';
import {
  hubPerTest,
  ISSUER,
  legacyToken,
  publish,
  RESOURCE,
  SECRET,
  subscribe,
  waitForSubscribers,
} from './helpers.js';

interface Line {
  msg: string;
  access?: {
    method: string;
    path: string;
    status: number;
    durationMs: number;
    bytes?: number;
    clientAddress: string;
  };
}

/** A pino logger whose lines land in `lines` (raw, to search them for secrets). */
function capturingLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const accessLines = () =>
    lines.map((line) => JSON.parse(line) as Line).filter((line) => line.access !== undefined);
  return { logger, lines, accessLines };
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

describe('pathOfTarget', () => {
  it('drops the query string and fragment', () => {
    expect(pathOfTarget('/.well-known/mercure?authorization=x&topic=a')).toBe('/.well-known/mercure');
    expect(pathOfTarget('/healthz')).toBe('/healthz');
    expect(pathOfTarget('/a#b?c')).toBe('/a');
  });
});

describe('--access-log', () => {
  const start = hubPerTest('memory');

  it('logs one line per request, without the query string or any token', async () => {
    const capture = capturingLogger();
    const hub = await start({ accessLog: true, logger: capture.logger, allowAnonymous: true });
    const token = await legacyToken({ publish: ['*'], subscribe: ['*'] });

    const published = await publish(
      `${hub.url}`,
      undefined,
      [
        ['topic', 'https://example.com/a'],
        ['data', 'x'],
      ],
      {
        cookie: 'mercureAuthorization=cookie-secret',
      },
    );
    expect(published.status).toBe(403);
    // A token in the URL: refused for a publisher (400), and never logged either way.
    const inUrl = await fetch(`${hub.url}/.well-known/mercure?authorization=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'topic=https%3A%2F%2Fexample.com%2Fa&data=x',
    });
    expect(inUrl.status).toBe(400);
    const secret = await fetch(`${hub.url}/healthz?authorization=secret`);
    await secret.text();

    await waitUntil(() => capture.accessLines().length >= 3);
    const [refused, tokenInUrl, health] = capture.accessLines().map((line) => line.access!);
    expect(refused).toMatchObject({ method: 'POST', path: '/.well-known/mercure', status: 403 });
    expect(tokenInUrl).toMatchObject({ method: 'POST', path: '/.well-known/mercure', status: 400 });
    expect(health).toMatchObject({
      method: 'GET',
      path: '/healthz',
      status: 200,
      clientAddress: '127.0.0.1',
    });
    expect(health!.durationMs).toBeGreaterThanOrEqual(0);
    expect(health!.bytes).toBeGreaterThan(0);
    const all = capture.lines.join('');
    expect(all).not.toContain('secret');
    expect(all).not.toContain(token);
  });

  it('logs an event stream when it ends', async () => {
    const capture = capturingLogger();
    const hub = await start({ accessLog: true, logger: capture.logger, allowAnonymous: true });
    const stream = await subscribe(hub.url, 'topic=a&authorization=secret');
    // An invalid token in the query: refused. Then a valid anonymous subscription.
    await stream.ended;
    const open = await subscribe(hub.url, 'topic=a');
    await waitForSubscribers(hub.herald, 1);
    expect(capture.accessLines()).toHaveLength(1);
    open.close();
    await waitUntil(() => capture.accessLines().length === 2);
    expect(capture.accessLines()[1]!.access).toMatchObject({
      method: 'GET',
      path: '/.well-known/mercure',
      status: 200,
    });
    // Counted on the connection, which the stream took over from node:http (`takeOverConnections`).
    expect(capture.accessLines()[1]!.access!.bytes).toBeGreaterThan(0);
    expect(capture.lines.join('')).not.toContain('secret');
  });

  it('is off by default', async () => {
    const capture = capturingLogger();
    const herald = await createHub({
      jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE, issuer: ISSUER },
      logger: capture.logger,
    });
    try {
      const response = await herald.handleFetch(new Request('http://hub.test/healthz?authorization=secret'));
      expect(response.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(capture.accessLines()).toHaveLength(0);
    } finally {
      await herald.close();
    }
  });

  it('logs Fetch requests too, without the query', async () => {
    const capture = capturingLogger();
    const herald = await createHub({
      jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE, issuer: ISSUER },
      logger: capture.logger,
      accessLog: true,
    });
    try {
      const response = await herald.handleFetch(new Request('http://hub.test/healthz?authorization=secret'), {
        clientAddress: '192.0.2.1',
      });
      expect(response.status).toBe(200);
      await waitUntil(() => capture.accessLines().length === 1);
      expect(capture.accessLines()[0]!.access).toMatchObject({
        method: 'GET',
        path: '/healthz',
        status: 200,
        clientAddress: '192.0.2.1',
      });
      expect(capture.lines.join('')).not.toContain('secret');
    } finally {
      await herald.close();
    }
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import {
  legacyToken,
  publish,
  SECRET,
  STORE_KINDS,
  startHub,
  subscribe,
  type TestHub,
  waitForSubscribers,
} from './helpers.js';

describe.each(STORE_KINDS)('bad input and abuse (%s store)', (kind) => {
  let hub: TestHub;
  afterEach(async () => hub?.close());

  const cases: [string, [string, string][], number, RegExp][] = [
    ['no topic', [['data', 'x']], 400, /topic/],
    [
      'an id starting with #',
      [
        ['topic', 't'],
        ['id', '#1'],
      ],
      400,
      /id/,
    ],
    [
      'the id earliest',
      [
        ['topic', 't'],
        ['id', 'earliest'],
      ],
      400,
      /id/,
    ],
    [
      'LF in id',
      [
        ['topic', 't'],
        ['id', 'a\nb'],
      ],
      400,
      /id/,
    ],
    [
      'NUL in id',
      [
        ['topic', 't'],
        ['id', 'a\u0000b'],
      ],
      400,
      /id/,
    ],
    [
      'CR in type',
      [
        ['topic', 't'],
        ['type', 'a\rb'],
      ],
      400,
      /type/,
    ],
    [
      'a control character in type',
      [
        ['topic', 't'],
        ['type', 'a\u0007'],
      ],
      400,
      /type/,
    ],
    [
      'type=mercure',
      [
        ['topic', 't'],
        ['type', 'mercure'],
      ],
      400,
      /type/,
    ],
    [
      'a non-digit retry',
      [
        ['topic', 't'],
        ['retry', '12a'],
      ],
      400,
      /retry/,
    ],
    [
      'a negative retry',
      [
        ['topic', 't'],
        ['retry', '-1'],
      ],
      400,
      /retry/,
    ],
    [
      'too many topics (413, as any limit)',
      Array.from({ length: 33 }, (_, i): [string, string] => ['topic', `t${i}`]),
      413,
      /topic/,
    ],
    [
      'a topic under /.well-known/mercure',
      [['topic', '/.well-known/mercure/subscriptions/x/y']],
      400,
      /topic/,
    ],
    [
      'an absolute topic under /.well-known/mercure',
      [['topic', 'https://h/.well-known/mercure']],
      400,
      /topic/,
    ],
    [
      'a percent-encoded topic under /.well-known/mercure',
      [['topic', '/.well-known/%6Dercure/subscriptions/x']],
      400,
      /topic/,
    ],
    ['the topic *', [['topic', '*']], 400, /topic/],
    ['a format character in a topic', [['topic', 'a\u200Bb']], 400, /topic/],
  ];

  it.each(cases)('refuses a publication with %s', async (_name, fields, status, message) => {
    hub = await startHub(kind);
    const res = await publish(hub.url, await legacyToken({ publish: ['*'] }), fields);
    expect(res.status).toBe(status);
    expect(await res.text()).toMatch(message);
  });

  it('answers 401 without a publisher token, with a bad signature, and when expired', async () => {
    hub = await startHub(kind);
    const fields: [string, string][] = [['topic', 't']];
    const missing = await publish(hub.url, undefined, fields);
    expect(missing.status).toBe(401);
    // No error code without a token (RFC 6750 §3.1); the RFC 9728 metadata link since a resource is set.
    expect(missing.headers.get('www-authenticate')).toBe(
      'Bearer resource_metadata="https://hub.test/.well-known/oauth-protected-resource/.well-known/mercure"',
    );
    const forged = await publish(
      hub.url,
      await legacyToken({ publish: ['*'] }, { secret: `${SECRET}x` }),
      fields,
    );
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toMatch(/invalid_token/);
    const expired = await publish(hub.url, await legacyToken({ publish: ['*'] }, { expSec: 1000 }), fields);
    expect(expired.status).toBe(401);
  });

  it('answers 403 unless the token allows every topic', async () => {
    hub = await startHub(kind);
    const token = await legacyToken({ publish: ['https://a/1'] });
    const res = await publish(hub.url, token, [
      ['topic', 'https://a/1'],
      ['topic', 'https://a/2'],
    ]);
    expect(res.status).toBe(403);
    expect((await publish(hub.url, token, [['topic', 'https://a/1']])).status).toBe(200);
  });

  it('answers 413 for a body over the limit, streamed without a length', async () => {
    hub = await startHub(kind, { maxBodyBytes: 1000 });
    const token = await legacyToken({ publish: ['*'] });
    const chunk = new TextEncoder().encode(`topic=t&data=${'x'.repeat(600)}`);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.enqueue(new TextEncoder().encode('y'.repeat(600)));
        controller.close();
      },
    });
    const res = await fetch(`${hub.url}/.well-known/mercure`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('answers 413 naming data for an event no subscriber queue could hold, and stores nothing', async () => {
    hub = await startHub(kind, { allowAnonymous: true, maxQueueBytes: 64 * 1024 });
    const token = await legacyToken({ publish: ['*'] });
    const stream = await subscribe(hub.url, 'topic=t');
    await waitForSubscribers(hub.herald, 1);
    // 20,000 line feeds: a 60 KB body, but 140 KB of `data:` lines on an event stream.
    const tooLarge = await publish(hub.url, token, [
      ['topic', 't'],
      ['data', '\n'.repeat(20_000)],
    ]);
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.text()).toMatch(/"data" is too large: the event takes 140\d{3} bytes/);
    // Scheduled, it would fail at its due time: refused now, as an immediate one is.
    const scheduled = await publish(hub.url, token, [
      ['topic', 't'],
      ['data', '\n'.repeat(20_000)],
      ['deliver_at', new Date(Date.now() + 3_600_000).toISOString()],
    ]);
    expect(scheduled.status).toBe(413);
    expect(await scheduled.text()).toMatch(/"data" is too large/);
    // One that fits goes out whole; it is also the fence: nothing was sent before it.
    const fits = 'x'.repeat(60 * 1024);
    expect(
      (
        await publish(hub.url, token, [
          ['topic', 't'],
          ['data', fits],
        ])
      ).status,
    ).toBe(200);
    await stream.waitFor(1);
    expect(stream.events.map((event) => event.data.length)).toEqual([fits.length]);
    stream.close();
  });

  it('refuses subscriptions without selectors, with bad selectors, too many, or unknown match types', async () => {
    hub = await startHub(kind, { allowAnonymous: true, maxSelectors: 2 });
    for (const query of ['', 'topic=a&topic=b&topic=c', 'matchFoo=x', 'match=a%07b']) {
      const res = await fetch(`${hub.url}/.well-known/mercure?${query}`);
      expect(res.status, query).toBe(400);
    }
  });

  it('treats parameters named like Object.prototype members as any unknown name: ignored', async () => {
    hub = await startHub(kind, { allowAnonymous: true });
    const token = await legacyToken({ publish: ['*'] });
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'unknown'];
    const stream = await subscribe(hub.url, `topic=t&${names.map((name) => `${name}=1`).join('&')}`);
    expect(stream.response.status).toBe(200);
    const fields: [string, string][] = [
      ['topic', 't'],
      ['data', 'hello'],
      ...names.map((n): [string, string] => [n, '1']),
    ];
    expect((await publish(hub.url, token, fields)).status).toBe(200);
    await stream.waitFor(1);
    expect(stream.events.map((event) => event.data)).toEqual(['hello']);
    stream.close();
  });

  it('answers 401 to anonymous subscribers unless enabled, and to bad tokens', async () => {
    hub = await startHub(kind);
    expect((await fetch(`${hub.url}/.well-known/mercure?topic=a`)).status).toBe(401);
    const bad = await fetch(`${hub.url}/.well-known/mercure?topic=a`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(bad.status).toBe(401);
  });

  it('answers 429 past the per-address and total connection limits', async () => {
    hub = await startHub(kind, { allowAnonymous: true, maxConnectionsPerIp: 1 });
    const first = await subscribe(hub.url, 'topic=a');
    expect(first.response.status).toBe(200);
    const second = await fetch(`${hub.url}/.well-known/mercure?topic=a`);
    expect(second.status).toBe(429);
    first.close();
    await first.ended;
    await hub.close();
    hub = await startHub(kind, { allowAnonymous: true, maxConnections: 1 });
    const one = await subscribe(hub.url, 'topic=a');
    expect((await fetch(`${hub.url}/.well-known/mercure?topic=a`)).status).toBe(429);
    one.close();
  });

  it('answers CORS for allowed origins only, never with *', async () => {
    hub = await startHub(kind, { allowAnonymous: true, corsOrigins: ['https://app.test'] });
    const preflight = await fetch(`${hub.url}/.well-known/mercure`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.test', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.test');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    const denied = await fetch(`${hub.url}/.well-known/mercure`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.test' },
    });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a cookie-authenticated publication from a foreign Origin', async () => {
    hub = await startHub(kind, { corsOrigins: ['https://app.test'] });
    const token = await legacyToken({ publish: ['*'] });
    const fields: [string, string][] = [['topic', 't']];
    const foreign = await publish(hub.url, undefined, fields, {
      cookie: `mercureAuthorization=${token}`,
      origin: 'https://evil.test',
    });
    expect(foreign.status).toBe(403);
    const allowed = await publish(hub.url, undefined, fields, {
      cookie: `mercureAuthorization=${token}`,
      origin: 'https://app.test',
    });
    expect(allowed.status).toBe(200);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { createAdminServer, createHub, type HeraldHub } from '../../src/http/index.js';
import { closeServer, listenOnLoopback, serveOnLoopback } from '../support/listen.js';
import { legacyToken, publish, SECRET, subscribe } from './helpers.js';

const OPERATIONS = ['/metrics', '/healthz', '/readyz'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A hub on a public loopback port and its admin listener on another. */
async function start(
  publicOperations?: boolean,
): Promise<{ herald: HeraldHub; url: string; adminUrl: string }> {
  const herald = await createHub({
    store: 'memory',
    jwt: { key: { type: 'hmac', secret: SECRET } },
    allowAnonymous: true,
    publicOperations,
  });
  const served = await serveOnLoopback(herald.handleNode);
  const admin = createAdminServer(herald);
  const adminPort = await listenOnLoopback(admin);
  cleanups.push(async () => {
    await herald.close();
    await served.close();
    await closeServer(admin);
  });
  return { herald, url: served.url, adminUrl: `http://127.0.0.1:${adminPort}` };
}

describe('admin listener', () => {
  it('serves /metrics (histograms, process and Node.js metrics), /healthz and /readyz', async () => {
    const { url, adminUrl } = await start(false);
    const token = await legacyToken({ publish: ['*'] });
    const published = await publish(url, token, [
      ['topic', 'https://x/t'],
      ['data', 'one'],
    ]);
    expect(published.status).toBe(200);
    // A replay (from the earliest event) and a live delivery (fan-out).
    const stream = await subscribe(url, 'topic=https://x/t&lastEventID=earliest');
    await stream.waitFor(1);
    expect(
      (
        await publish(url, token, [
          ['topic', 'https://x/t'],
          ['data', 'two'],
        ])
      ).status,
    ).toBe(200);
    await stream.waitFor(2);
    stream.close();

    const metrics = await fetch(`${adminUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toMatch(/^herald_publish_duration_seconds_count 2$/m);
    expect(text).toMatch(/^herald_store_append_duration_seconds_count 2$/m);
    expect(text).toMatch(/^herald_replay_duration_seconds_count\{transport="sse"\} 1$/m);
    expect(text).toMatch(/^herald_fanout_duration_seconds_count [1-9]/m);
    expect(text).toMatch(/^herald_publish_duration_seconds_bucket\{le="0\.005"\} \d+$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^process_resident_memory_bytes /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toContain('nodejs_gc_duration_seconds');

    const health = await fetch(`${adminUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
    const ready = await fetch(`${adminUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('answers 404 on the public port for the three when they moved, and 404 for the hub on the admin port', async () => {
    const { url, adminUrl } = await start(false);
    for (const path of OPERATIONS) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(404);
      await response.body?.cancel();
    }
    const hub = await fetch(`${adminUrl}/.well-known/mercure?topic=a`);
    expect(hub.status).toBe(404);
    await hub.body?.cancel();
    const post = await fetch(`${adminUrl}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    await post.body?.cancel();
  });

  it('serves them on both ports when kept public (--public-metrics, and the default)', async () => {
    for (const publicOperations of [true, undefined]) {
      const { url, adminUrl } = await start(publicOperations);
      for (const base of [url, adminUrl]) {
        for (const path of OPERATIONS) {
          const response = await fetch(`${base}${path}`);
          expect(response.status, `${base}${path}`).toBe(200);
          await response.body?.cancel();
        }
      }
    }
  });
});

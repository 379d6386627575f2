import { afterEach, describe, expect, it } from 'vitest';
import { encodeEvent } from '../../src/sse/index.js';
import { legacyToken, publish, startHub, subscribe, type TestHub, waitForSubscribers } from './helpers.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

/** `name{transport="…"} value` samples of the Prometheus text exposition. */
async function samples(url: string, name: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const match of text.matchAll(new RegExp(`^${name}\\{transport="([^"]+)"\\} (\\S+)$`, 'gm'))) {
    out[match[1] ?? ''] = Number(match[2]);
  }
  return out;
}

async function waitForNoSubscribers(h: TestHub): Promise<void> {
  for (let i = 0; i < 500 && h.herald.hub.subscribers.size > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect(h.herald.hub.subscribers.size).toBe(0);
}

describe('/metrics per transport', () => {
  it('counts requests, bytes sent and open connections of SSE, long-poll and short-poll', async () => {
    hub = await startHub('memory', { allowAnonymous: true });
    const token = await legacyToken({ publish: ['*'] });
    const ids: string[] = [];
    for (const data of ['one', 'two']) {
      ids.push(
        await (
          await publish(hub.url, token, [
            ['topic', 'https://x/t'],
            ['data', data],
          ])
        ).text(),
      );
    }
    // Each SSE delivery is counted as the bytes of its encoded event.
    const sseBytes = ['one', 'two'].reduce(
      (sum, data, i) => sum + encodeEvent({ id: ids[i], data }).byteLength,
      0,
    );

    const stream = await subscribe(hub.url, 'topic=https://x/t&lastEventID=earliest');
    await stream.waitFor(2);
    await waitForSubscribers(hub.herald, 1);
    expect(await samples(hub.url, 'herald_connections')).toMatchObject({ sse: 1 });

    const pollBytes: Record<string, number> = {};
    for (const transport of ['long-poll', 'short-poll']) {
      const res = await fetch(
        `${hub.url}/.well-known/mercure?topic=https://x/t&lastEventID=earliest&transport=${transport}`,
      );
      const body = new Uint8Array(await res.arrayBuffer());
      expect(JSON.parse(new TextDecoder().decode(body)).events).toHaveLength(2);
      pollBytes[transport] = body.byteLength;
    }
    // A second short poll from the newest id answers an empty batch: one more request, its bytes too.
    const empty = await fetch(
      `${hub.url}/.well-known/mercure?topic=https://x/t&lastEventID=${encodeURIComponent(ids[1] ?? '')}&transport=short-poll`,
    );
    const emptyBytes = (await empty.arrayBuffer()).byteLength;

    stream.close();
    await waitForNoSubscribers(hub);

    expect(await samples(hub.url, 'herald_subscribe_requests_total')).toEqual({
      sse: 1,
      'long-poll': 1,
      'short-poll': 2,
    });
    expect(await samples(hub.url, 'herald_sent_bytes_total')).toEqual({
      sse: sseBytes,
      'long-poll': pollBytes['long-poll'],
      'short-poll': (pollBytes['short-poll'] ?? 0) + emptyBytes,
    });
    expect(await samples(hub.url, 'herald_connections')).toEqual({ sse: 0, 'long-poll': 0, 'short-poll': 0 });
  });

  it('does not count a refused subscribe request (no token where one is required)', async () => {
    hub = await startHub('memory', { allowAnonymous: false });
    const res = await fetch(`${hub.url}/.well-known/mercure?topic=t&transport=short-poll`);
    expect(res.status).toBe(401);
    expect(await samples(hub.url, 'herald_subscribe_requests_total')).toEqual({});
  });
});

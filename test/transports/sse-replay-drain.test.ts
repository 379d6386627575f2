import { get, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStreamParser } from '../../src/sse/index.js';
import { openStore } from '../../src/store/open.js';
import { startHub, type TestHub } from '../http/helpers.js';

const EVENT_COUNT = 20_000;
const MAX_QUEUE_BYTES = 16 * 1024;

describe('SSE replay pacing', () => {
  let hub: TestHub | undefined;
  afterEach(async () => hub?.close());

  it('replays 20,000 events to a slow-reading client through a 16 KiB queue: all of them, in order, no overflow', async () => {
    hub = await startHub('memory', {
      allowAnonymous: true,
      maxQueueBytes: MAX_QUEUE_BYTES,
      store: await openStore('memory', { retention: { maxEvents: EVENT_COUNT * 2 } }),
    });
    const ids: string[] = [];
    for (let i = 0; i < EVENT_COUNT; i++) {
      // ~150 bytes on the wire each: one 500-event page is 75 KiB, far above the queue bound.
      const event = await hub.herald.publish({ topics: ['t'], data: `${i} ${'x'.repeat(80)}` });
      ids.push(event.id);
    }
    const received: string[] = [];
    const url = `${hub.url}/.well-known/mercure?topic=t&lastEventID=earliest`;
    const res = await new Promise<IncomingMessage>((resolve) => get(url, resolve));
    expect(res.statusCode).toBe(200);
    const parser = new EventStreamParser({ onEvent: (event) => received.push(event.lastEventId) });
    await new Promise<void>((resolve, reject) => {
      let chunks = 0;
      res.on('data', (chunk: Buffer) => {
        parser.feed(chunk);
        if (received.length >= EVENT_COUNT) {
          resolve();
          return;
        }
        // A healthy but slower reader: it stops now and then, so the socket fills up.
        if (++chunks % 20 === 0) {
          res.pause();
          setTimeout(() => res.resume(), 2);
        }
      });
      res.on('close', () => reject(new Error(`stream ended after ${received.length} events`)));
      res.on('error', reject);
    });
    res.destroy();
    expect(received.length).toBe(EVENT_COUNT);
    expect(received).toEqual(ids);
    const metrics = await hub.herald.metrics.registry.getSingleMetricAsString('herald_queue_overflows_total');
    expect(metrics).not.toMatch(/herald_queue_overflows_total\{[^}]*\} [1-9]/);
  });
});

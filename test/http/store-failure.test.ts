import { afterEach, describe, expect, it } from 'vitest';
import type { NewEvent, StoredEvent } from '../../src/hub/ports.js';
import { StoreError } from '../../src/store/errors.js';
import { LocalBroker } from '../../src/store/local-broker.js';
import { MemoryStore } from '../../src/store/memory.js';
import { legacyToken, publish, startHub, subscribe, type TestHub, waitForSubscribers } from './helpers.js';

/** A memory store whose appends fail with UNAVAILABLE while `isDown` (a full disk, a lost Redis). */
class FlakyStore extends MemoryStore {
  isDown = false;

  override async append(event: NewEvent, publishedAtMs: number): Promise<StoredEvent> {
    if (this.isDown) throw new StoreError('UNAVAILABLE', 'the disk is full');
    return super.append(event, publishedAtMs);
  }

  override async ping(): Promise<void> {
    if (this.isDown) throw new StoreError('UNAVAILABLE', 'the disk is full');
    return super.ping();
  }
}

describe('a failing store', () => {
  let hub: TestHub | undefined;
  afterEach(async () => hub?.close());

  it('makes publish answer 503 with Retry-After, delivering nothing, and 200 again once it recovers', async () => {
    const store = new FlakyStore({ maxEvents: 100 });
    hub = await startHub('memory', { allowAnonymous: true, store: { store, broker: new LocalBroker() } });
    const stream = await subscribe(hub.url, 'topic=f&lastEventID=earliest');
    await waitForSubscribers(hub.herald, 1);
    const token = await legacyToken({ publish: ['*'] });
    store.isDown = true;
    const failed = await publish(hub.url, token, [
      ['topic', 'f'],
      ['data', 'lost'],
    ]);
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('1');
    expect(await failed.text()).not.toMatch(/^urn:uuid:/);
    store.isDown = false;
    const ok = await publish(hub.url, token, [
      ['topic', 'f'],
      ['data', 'kept'],
    ]);
    expect(ok.status).toBe(200);
    const id = await ok.text();
    const [event] = await stream.waitFor(1);
    expect(event).toMatchObject({ id, data: 'kept' });
    expect(stream.events).toHaveLength(1);
    // History holds only the acknowledged event too.
    const replay = await subscribe(hub.url, 'topic=f&lastEventID=earliest');
    expect((await replay.waitFor(1)).map((e) => e.data)).toEqual(['kept']);
    expect(replay.events).toHaveLength(1);
    stream.close();
    replay.close();
  });

  it('makes /readyz answer 503 with Retry-After and the reason, not the store’s message, while /healthz stays 200', async () => {
    const store = new FlakyStore({ maxEvents: 100 });
    hub = await startHub('memory', { allowAnonymous: true, store: { store, broker: new LocalBroker() } });
    store.isDown = true;
    const down = await fetch(`${hub.url}/readyz`);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
    const body = await down.json();
    expect(body).toMatchObject({ status: 'not-ready', reason: 'store-unavailable' });
    expect(JSON.stringify(body)).not.toContain('disk');
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    store.isDown = false;
    expect((await fetch(`${hub.url}/readyz`)).status).toBe(200);
  });
});

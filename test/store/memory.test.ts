import { describe, expect, it } from 'vitest';
import { LocalBroker } from '../../src/store/local-broker.js';
import { MemoryStore } from '../../src/store/memory.js';
import { describeStoreConformance, newEvent, readAll } from './conformance.js';

// Private storage: a second MemoryStore is a second history, so both writers use the one instance.
describeStoreConformance(
  'MemoryStore',
  async () => ({
    store: new MemoryStore(),
    broker: new LocalBroker({ onListenerError: () => {} }),
  }),
  'private',
);

describe('MemoryStore', () => {
  it('drops the oldest events on append once maxEvents are kept, so memory stays bounded', async () => {
    const store = new MemoryStore({ maxEvents: 3 });
    for (let n = 1; n <= 5; n++) await store.append(newEvent(n), n);
    expect((await readAll(store)).map((event) => event.id)).toEqual([
      'urn:test:3',
      'urn:test:4',
      'urn:test:5',
    ]);
    expect(await store.cursorOf('urn:test:2')).toBeUndefined();
    expect(store.size).toBe(3);
  });

  it('keeps reading correctly across many drops from the front', async () => {
    const store = new MemoryStore({ maxEvents: 100 });
    for (let n = 1; n <= 5000; n++) await store.append(newEvent(n), n);
    const kept = await readAll(store);
    expect(kept).toHaveLength(100);
    expect(kept[0]!.cursor).toBe(4901);
    expect(await store.readRange(4950, 4952, 10)).toEqual(kept.slice(50, 52));
  });

  it('hands out frozen events, so one subscriber cannot change what another replays', async () => {
    const store = new MemoryStore();
    const stored = await store.append(newEvent(1), 1);
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.isFrozen(stored.topics)).toBe(true);
  });

  it('rejects a negative maxEvents with INVALID_ARGUMENT', () => {
    expect(() => new MemoryStore({ maxEvents: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

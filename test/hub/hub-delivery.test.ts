import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Hub } from '../../src/hub/hub.js';
import type { StoredEvent } from '../../src/hub/ports.js';
import { compileSelector } from '../../src/hub/selector.js';
import type { SubscriberSink } from '../../src/hub/subscriber.js';
import { StoreError } from '../../src/store/errors.js';
import { openStore } from '../../src/store/open.js';

async function memoryHub(): Promise<Hub> {
  const { store, broker } = await openStore('memory', { retention: { maxEvents: 1_000_000 } });
  const hub = new Hub({ store, broker, pruneIntervalMs: 0 });
  await hub.start();
  return hub;
}

function collectingSink(received: StoredEvent[]): SubscriberSink & { isClosed: boolean } {
  const sink = {
    isClosed: false,
    deliver: (update: { event: StoredEvent }) => received.push(update.event),
    close: () => {
      sink.isClosed = true;
    },
  };
  return sink;
}

const TOPICS = ['a', 'b', 'c', 'd'];

describe('hub delivery', () => {
  it('never sends a private event to a subscriber whose claims do not grant one of its topics', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ routing: fc.subarray(TOPICS, { minLength: 1 }), grant: fc.subarray([...TOPICS, '*']) }),
          { minLength: 1, maxLength: 5 },
        ),
        fc.array(fc.record({ topics: fc.subarray(TOPICS, { minLength: 1 }), isPrivate: fc.boolean() }), {
          maxLength: 20,
        }),
        fc.integer({ min: 0, max: 20 }),
        async (subscribers, events, replayFrom) => {
          const hub = await memoryHub();
          const ids: string[] = [];
          const received: StoredEvent[][] = subscribers.map(() => []);
          const publishAll = async (list: typeof events) => {
            for (const e of list)
              ids.push((await hub.publish({ topics: e.topics, isPrivate: e.isPrivate })).id);
          };
          await publishAll(events.slice(0, replayFrom));
          for (const [i, s] of subscribers.entries()) {
            const grants = s.grant.map((raw) => compileSelector('exact', raw));
            const open = await hub.openSubscription({
              selectors: s.routing.map((raw) => compileSelector('exact', raw)),
              canReceivePrivate: (event) => event.topics.some((t) => grants.some((g) => g.matches(t))),
              sink: collectingSink(received[i]!),
              transport: 'test',
              lastEventId: 'earliest',
            });
            await open.replay();
          }
          await publishAll(events.slice(replayFrom));
          for (const [i, s] of subscribers.entries()) {
            for (const event of received[i]!) {
              expect(event.topics.some((t) => s.routing.includes(t))).toBe(true);
              if (event.isPrivate) {
                expect(event.topics.some((t) => s.grant.includes(t) || s.grant.includes('*'))).toBe(true);
              }
            }
            const expected = ids.filter((_, k) => {
              const e = events[k]!;
              const routed = e.topics.some((t) => s.routing.includes(t));
              const allowed =
                !e.isPrivate || e.topics.some((t) => s.grant.includes(t) || s.grant.includes('*'));
              return routed && allowed;
            });
            expect(received[i]!.map((e) => e.id)).toEqual(expected);
          }
          await hub.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('100 subscribers dropped at random while 10,000 events are published receive each matching event once, in order', async () => {
    const hub = await memoryHub();
    const clientCount = 100;
    const eventCount = 10_000;
    const topicOf = (n: number) => `t${n % 7}`;
    const clients = Array.from({ length: clientCount }, (_, i) => ({
      topic: topicOf(i),
      received: [] as string[],
      lastId: 'earliest',
      sink: undefined as (SubscriberSink & { isClosed: boolean }) | undefined,
      close: undefined as (() => void) | undefined,
    }));
    const connect = async (client: (typeof clients)[number]) => {
      const events: StoredEvent[] = [];
      const sink = collectingSink(events);
      const wrapped: SubscriberSink & { isClosed: boolean } = {
        isClosed: false,
        deliver: (update) => {
          client.received.push(update.event.id);
          client.lastId = update.event.id;
        },
        close: () => {
          wrapped.isClosed = true;
          sink.close('client');
        },
      };
      client.sink = wrapped;
      const open = await hub.openSubscription({
        selectors: [compileSelector('exact', client.topic)],
        canReceivePrivate: () => false,
        sink: wrapped,
        transport: 'test',
        lastEventId: client.lastId,
      });
      client.close = () => open.subscriber.close('client');
      await open.replay();
    };
    await Promise.all(clients.map(connect));
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const published: { id: string; topic: string; cursor: number }[] = [];
    const reconnects: Promise<void>[] = [];
    // Publications run 20 at a time, so appends, fan-out and reconnections interleave.
    const inFlight: Promise<void>[] = [];
    for (let n = 0; n < eventCount; n++) {
      const topic = topicOf(Math.floor(random() * 7));
      inFlight.push(
        hub.publish({ topics: [topic], data: `${n}` }).then(({ id, cursor }) => {
          published.push({ id, topic, cursor });
        }),
      );
      if (inFlight.length >= 20) await Promise.all(inFlight.splice(0));
      if (random() < 0.02) {
        const client = clients[Math.floor(random() * clientCount)]!;
        if (client.sink && !client.sink.isClosed) {
          client.close?.();
          // Comes back a few event-loop turns later: events published meanwhile come from history.
          const turns = Math.floor(random() * 3);
          reconnects.push(
            (async () => {
              for (let t = 0; t < turns; t++) await new Promise((resolve) => setImmediate(resolve));
              await connect(client);
            })(),
          );
        }
      }
    }
    await Promise.all(inFlight);
    await Promise.all(reconnects);
    published.sort((x, y) => x.cursor - y.cursor);
    for (const client of clients) {
      expect(client.received).toEqual(published.filter((p) => p.topic === client.topic).map((p) => p.id));
    }
    await hub.close();
  });

  it('answers a repeat of the newest event with its id with that event, counting and delivering nothing', async () => {
    const hub = await memoryHub();
    const received: StoredEvent[] = [];
    const open = await hub.openSubscription({
      selectors: [compileSelector('exact', '*')],
      canReceivePrivate: () => false,
      sink: collectingSink(received),
      transport: 'test',
    });
    await open.replay();
    const input = { id: 'urn:x:1', topics: ['a', 'b'], data: 'd', type: 't', retry: 10 };
    const first = await hub.publish(input);
    await hub.publish({ topics: ['c'], data: 'between' });
    // A retry: same id and content. The kept event is the answer; nothing is stored or sent again.
    expect(await hub.publish({ ...input, retry: '10' })).toEqual(first);
    expect(await hub.publish({ ...input, data: 'changed' })).not.toEqual(first);
    expect(received.map((event) => event.data)).toEqual(['d', 'between', 'changed']);
    expect(hub.lastEventId).toBe('urn:x:1');
    await hub.close();
  });

  it('resolves a reused id to its earliest kept event: the replay sends every later one, the reuses included', async () => {
    const hub = await memoryHub();
    for (const data of ['1', '2', '3'])
      await hub.publish({ id: data === '2' ? 'urn:x' : 'urn:dup', topics: ['a'], data });
    await hub.publish({ id: 'urn:dup', topics: ['a'], data: '4' });
    const received: StoredEvent[] = [];
    const open = await hub.openSubscription({
      selectors: [compileSelector('exact', 'a')],
      canReceivePrivate: () => false,
      sink: collectingSink(received),
      transport: 'test',
      lastEventId: 'urn:dup',
    });
    expect(open.draftLastEventId).toBe('urn:dup');
    expect(open.legacyLastEventId).toBe('urn:dup');
    await open.replay();
    expect(received.map((event) => [event.id, event.data])).toEqual([
      ['urn:x', '2'],
      ['urn:dup', '3'],
      ['urn:dup', '4'],
    ]);
    await hub.close();
  });
});

describe('a subscription the store cannot open', () => {
  it('is refused with the store error and leaves nothing registered: no subscriber, no id, no delivery', async () => {
    const { store, broker } = await openStore('memory');
    const hub = new Hub({ store, broker, pruneIntervalMs: 0 });
    await hub.start();
    const headCursor = store.headCursor.bind(store);
    store.headCursor = () => Promise.reject(new StoreError('UNAVAILABLE', 'the store is down'));
    const refused: StoredEvent[] = [];
    const refusedSink = collectingSink(refused);
    await expect(
      hub.openSubscription({
        selectors: [compileSelector('exact', 'a')],
        canReceivePrivate: () => false,
        sink: refusedSink,
        transport: 'test',
        subscriberId: 'alice',
      }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(hub.subscribers.size).toBe(0);

    store.headCursor = headCursor;
    const received: StoredEvent[] = [];
    const open = await hub.openSubscription({
      selectors: [compileSelector('exact', 'a')],
      canReceivePrivate: () => false,
      sink: collectingSink(received),
      transport: 'test',
      subscriberId: 'alice',
    });
    await open.replay();
    // The refused attempt did not keep its id: the retry gets it back.
    expect(open.subscriber.id).toBe('alice');
    const fence = await hub.publish({ topics: ['a'], isPrivate: false });
    await expect.poll(() => received.map((e) => e.id)).toEqual([fence.id]);
    expect(refused).toEqual([]);
    expect(hub.subscribers.size).toBe(1);
    await hub.close();
  });
});

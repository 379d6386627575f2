import { type ClientRequest, get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStreamParser } from '../../src/sse/index.js';
import {
  openTestStore,
  STORE_KINDS,
  startHub,
  type TestHub,
  type TestStore,
  waitForSubscribers,
} from './helpers.js';

const CLIENT_COUNT = 100;
const EVENT_COUNT = 10_000;
const TOPICS = ['t0', 't1', 't2', 't3'];
const DROPS_PER_CLIENT = 4;

/** A deterministic generator, so a failure replays the same drops. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * An SSE client over a real socket that the test drops at chosen moments (after a random number of
 * events, or right after connecting) and that reconnects with `Last-Event-ID`, as EventSource does.
 */
class DroppingClient {
  readonly received: string[] = [];
  connections = 0;
  #request: ClientRequest | undefined;
  #isStopped = false;
  #dropsLeft = DROPS_PER_CLIENT;
  #dropAfter = 0;

  constructor(
    readonly url: string,
    readonly topic: string,
    readonly next: () => number,
  ) {}

  start(): void {
    this.#connect();
  }

  stop(): void {
    this.#isStopped = true;
    this.#request?.destroy();
  }

  #connect(): void {
    if (this.#isStopped) return;
    this.connections++;
    const lastId = this.received.at(-1);
    // First connection from the start of history; later ones resume after the last event seen.
    const query = lastId === undefined ? `topic=${this.topic}&lastEventID=earliest` : `topic=${this.topic}`;
    const headers: Record<string, string> = lastId === undefined ? {} : { 'last-event-id': lastId };
    const roll = this.next();
    // Some drops land before any event arrives on the new connection.
    this.#dropAfter =
      this.#dropsLeft > 0 ? (roll < 0.2 ? 0 : Math.floor(roll * 600)) : Number.POSITIVE_INFINITY;
    const request = get(`${this.url}/.well-known/mercure?${query}`, { headers, agent: false });
    this.#request = request;
    let seenHere = 0;
    const parser = new EventStreamParser({
      onEvent: (event) => {
        if (request.destroyed) return;
        this.received.push(event.lastEventId);
        seenHere++;
        if (seenHere >= this.#dropAfter) this.#drop(request);
      },
    });
    request.on('response', (res) => {
      res.on('data', (chunk: Buffer) => parser.feed(chunk));
      if (this.#dropAfter === 0) setTimeout(() => this.#drop(request), this.next() * 20);
    });
    request.on('error', () => {});
    request.on('close', () => {
      if (this.#request === request) setTimeout(() => this.#connect(), 1);
    });
  }

  #drop(request: ClientRequest): void {
    if (request.destroyed) return;
    this.#dropsLeft--;
    request.destroy();
  }
}

describe.each(STORE_KINDS)('reconnection over HTTP (%s store)', (kind) => {
  let hub: TestHub | undefined;
  let clients: DroppingClient[] = [];
  let testStore: TestStore | undefined;
  afterEach(async () => {
    for (const client of clients) client.stop();
    clients = [];
    await hub?.close();
    await testStore?.cleanup();
    testStore = undefined;
  });

  it('100 clients dropped at random moments while 10,000 events are published each receive every matching event once, in order', async () => {
    // The memory store's default cap is 10,000; SQLite with synchronous=NORMAL, since what is
    // tested here is delivery, not durability (one fsync per publication would dominate).
    testStore = await openTestStore(kind, {
      retention: { maxEvents: EVENT_COUNT * 2 },
      synchronous: 'NORMAL',
    });
    hub = await startHub(kind, { allowAnonymous: true, maxConnectionsPerIp: 1000, store: testStore.opened });
    const next = random(42);
    clients = Array.from(
      { length: CLIENT_COUNT },
      (_, i) => new DroppingClient(hub!.url, TOPICS[i % TOPICS.length]!, random(1000 + i)),
    );
    for (const client of clients) client.start();
    await waitForSubscribers(hub.herald, CLIENT_COUNT / 2);
    const expected = new Map<string, string[]>(TOPICS.map((topic) => [topic, []]));
    const herald = hub.herald;
    for (let i = 0; i < EVENT_COUNT; i += 50) {
      // Batches of concurrent publications, one event-loop turn apart, so drops land mid-stream.
      const batch = Array.from({ length: 50 }, (_, j) => {
        const topic = TOPICS[Math.floor(next() * TOPICS.length)]!;
        return herald.publish({ topics: [topic], data: `${i + j}` }).then((event) => ({ topic, event }));
      });
      const published = await Promise.all(batch);
      published.sort((a, b) => a.event.cursor - b.event.cursor);
      for (const { topic, event } of published) expected.get(topic)!.push(event.id);
      await new Promise((resolve) => setImmediate(resolve));
    }
    // A fence per topic, published last: once a client has its topic's fence, every event before it
    // that the hub was going to send (a duplicate included) has arrived, since a topic's events
    // arrive in order. The fence ends each expected list.
    for (const topic of TOPICS) {
      const fence = await herald.publish({ topics: [topic], data: 'fence' });
      expected.get(topic)!.push(fence.id);
    }
    const deadline = Date.now() + 15_000;
    const hasFence = (c: DroppingClient) => c.received.includes(expected.get(c.topic)!.at(-1)!);
    while (!clients.every(hasFence) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const client of clients) {
      expect(client.received).toEqual(expected.get(client.topic));
    }
    const reconnections = clients.reduce((sum, c) => sum + c.connections - 1, 0);
    expect(reconnections).toBeGreaterThanOrEqual(CLIENT_COUNT * DROPS_PER_CLIENT * 0.9);
  }, 30_000);
});

/**
 * Three `herald serve` processes on one Redis of the test's own, under chaos while traffic flows:
 * one node is killed (SIGKILL) and replaced by a new process on a new port, and Redis is killed
 * (SIGKILL) and started again on its files. Nine subscribers, spread over the nodes, reconnect with
 * `Last-Event-ID` whenever a stream ends, each time to a node they pick, and some leave on purpose
 * every few events; three publishers each send a numbered sequence under their own ids, retrying an
 * id until it is accepted. At the end each publisher sends a fence on every topic; once every
 * subscriber has every fence, each must have received every acknowledged event of its topics once, in
 * the hub's order. Then, every client gone, no node may still count a subscriber (subscribes that
 * were refused while Redis was down included). The seed of the random choices is printed
 * (HERALD_CHAOS_SEED replays the choices; the timing is the machine's). Needs `redis-server` on the
 * PATH.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_REDIS_KEY_PREFIX,
  decodeEntry,
  type RawEntry,
  redisKeys,
} from '../../src/store/redis-keys.js';
import { legacyToken } from '../http/helpers.js';
import { ChaosPublisher, ChaosSubscriber, delay, seededRandom } from './clients.js';
import { Cluster, freePort, type Managed, startNode, startRedis } from './processes.js';
import { type KeptEvent, verify } from './verify.js';

const TOPICS = Array.from({ length: 6 }, (_, n) => `https://chaos.test/topics/${n}`);
const NODES = 3;
const SUBSCRIBERS = 9;
const PUBLISHERS = 3;
/**
 * Subscribers 0-2 leave their stream after this many events and reconnect elsewhere; 3-5 after
 * `HOP_AFTER_MS`, events or not (so some reconnect while Redis is down); 6-8 stay until their
 * stream ends. Each group starts one per node.
 */
const HOP_EVERY = 25;
const HOP_AFTER_MS = 300;
/** Acknowledgements (all publishers) before the node kill, between the chaos steps, and after the last. */
const ACKS_PER_STEP = 150;
/** How long Redis stays down: publishes meanwhile get 503s, open streams stay open. */
const REDIS_DOWN_MS = 1_000;
/** Pause between two events of one publisher, so the three interleave. */
const PUBLISH_GAP_MS = 5;
/** Publishers stop at this many events, or when the traffic budget is spent, even if the chaos is not done. */
const MAX_EVENTS_PER_PUBLISHER = 3_000;
const TRAFFIC_BUDGET_MS = 25_000;
/** Every subscriber must have every fence within this long after the last one was acknowledged. */
const FENCE_BUDGET_MS = 12_000;
const TEST_TIMEOUT_MS = 60_000;

const SEED = Number(process.env.HERALD_CHAOS_SEED ?? Date.now() % 2 ** 31);

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Polls `condition` every 20 ms until it holds; fails with `what` after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await delay(20);
  }
}

/** The hub's history: the Redis stream the store appends to, in cursor order. */
async function readHistory(redisUrl: string): Promise<KeptEvent[]> {
  const client = createClient({ url: redisUrl, RESP: 2 });
  client.on('error', () => {});
  await client.connect();
  try {
    const entries = (await client.sendCommand([
      'XRANGE',
      redisKeys(DEFAULT_REDIS_KEY_PREFIX).events,
      '-',
      '+',
    ])) as RawEntry[];
    return entries.map(decodeEntry).map(({ cursor, id, topics }) => ({ cursor, id, topics }));
  } finally {
    await client.close();
  }
}

/** Streams of `subscriber` that ended by themselves while Redis was down or coming back. */
function droppedAcrossRedisRestart(subscriber: ChaosSubscriber): number {
  return subscriber.connections.filter(
    (connection) =>
      connection.end === 'dropped' &&
      (connection.endPhase === 'redis down' || connection.endPhase === 'redis back'),
  ).length;
}

describe('three herald processes on one Redis, a node killed and Redis restarted while traffic flows', () => {
  /** The nodes the chaos left and the subscribers, for the second test. */
  let survivors: { cluster: Cluster; subscribers: ChaosSubscriber[] } | undefined;

  it(
    'delivers every acknowledged event to every subscriber exactly once, in the hub’s order',
    async () => {
      const startedAt = Date.now();
      const dir = mkdtempSync(join(tmpdir(), 'herald-chaos-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const redisPort = await freePort();
      const redisUrl = `redis://127.0.0.1:${redisPort}/0`;
      let redis: Managed = await startRedis(dir, redisPort);
      cleanups.push(() => redis.kill().then(() => {}));

      const started = await Promise.all(Array.from({ length: NODES }, () => startNode(redisUrl)));
      const cluster = new Cluster(started);
      cleanups.push(() => cluster.killAll());

      let phase = 'steady';
      const subscribers = Array.from(
        { length: SUBSCRIBERS },
        (_, n) =>
          new ChaosSubscriber({
            name: `subscriber ${n}`,
            // Two or three topics each, every topic watched by several subscribers.
            topics: [TOPICS[n % 6]!, TOPICS[(n + 2) % 6]!, ...(n % 2 === 0 ? [TOPICS[(n + 3) % 6]!] : [])],
            cluster,
            random: seededRandom(SEED + 1 + n),
            firstSlot: n % NODES,
            hopEvery: Math.floor(n / 3) === 0 ? HOP_EVERY : undefined,
            hopAfterMs: Math.floor(n / 3) === 1 ? HOP_AFTER_MS : undefined,
            phase: () => phase,
          }),
      );
      cleanups.push(() => Promise.all(subscribers.map((subscriber) => subscriber.stop())).then(() => {}));
      survivors = { cluster, subscribers };
      for (const subscriber of subscribers) subscriber.start();

      const token = await legacyToken({ publish: ['*'] });
      const publishers = Array.from(
        { length: PUBLISHERS },
        (_, n) =>
          new ChaosPublisher({
            index: n,
            cluster,
            token,
            homeSlot: n % NODES,
            eventDeadlineMs: 10_000,
            requestTimeoutMs: 5_000,
          }),
      );
      const acknowledged = () => publishers.reduce((sum, publisher) => sum + publisher.acknowledged, 0);

      // The chaos, one step after another, each once enough traffic went through since the last.
      let isChaosDone = false;
      const chaosLog: string[] = [];
      const chaos = (async () => {
        await until(() => acknowledged() >= ACKS_PER_STEP, 'traffic before the node kill', TRAFFIC_BUDGET_MS);
        phase = 'node killed';
        chaosLog.push(`node kill at ${acknowledged()} acks`);
        await cluster.kill(1);
        cluster.replace(1, await startNode(redisUrl));
        phase = 'node replaced';
        chaosLog.push(`node replaced at ${acknowledged()} acks`);
        let mark = acknowledged();
        await until(
          () => acknowledged() >= mark + ACKS_PER_STEP,
          'traffic before the Redis restart',
          TRAFFIC_BUDGET_MS,
        );
        phase = 'redis down';
        chaosLog.push(`redis kill at ${acknowledged()} acks`);
        await redis.kill();
        // The outage itself: traffic goes on against a Redis that is not there.
        await delay(REDIS_DOWN_MS);
        redis = await startRedis(dir, redisPort);
        phase = 'redis back';
        chaosLog.push(`redis back at ${acknowledged()} acks`);
        mark = acknowledged();
        await until(
          () => acknowledged() >= mark + ACKS_PER_STEP,
          'traffic after the Redis restart',
          TRAFFIC_BUDGET_MS,
        );
        phase = 'after chaos';
        isChaosDone = true;
      })();
      // Kept for the end; a failure must not go unhandled meanwhile.
      const chaosOutcome = chaos.then(
        () => undefined,
        (error: unknown) => error,
      );

      const trafficDeadline = Date.now() + TRAFFIC_BUDGET_MS;
      await Promise.all(
        publishers.map(async (publisher) => {
          const pick = seededRandom(SEED + 100 + publisher.index);
          for (
            let seq = 0;
            seq < MAX_EVENTS_PER_PUBLISHER && !isChaosDone && Date.now() < trafficDeadline;
            seq++
          ) {
            // One topic, or two (an event two topics of one subscriber match must still come once).
            const first = Math.floor(pick() * TOPICS.length);
            const second = (first + 1 + Math.floor(pick() * (TOPICS.length - 1))) % TOPICS.length;
            await publisher.publish(seq, pick() < 0.3 ? [TOPICS[first]!, TOPICS[second]!] : [TOPICS[first]!]);
            await delay(PUBLISH_GAP_MS);
          }
        }),
      );
      const chaosError = await chaosOutcome;
      if (chaosError !== undefined) throw chaosError;

      // The fences: each publisher's last event, on every topic.
      const fences = await Promise.all(
        publishers.map((publisher) => publisher.publish(Number.MAX_SAFE_INTEGER, TOPICS, true)),
      );
      const unfenced = fences.filter((fence) => !fence.isAcknowledged).map((fence) => fence.id);
      expect(unfenced, 'fences never acknowledged').toEqual([]);
      const fenceIds = fences.map((fence) => fence.id);
      const missingFences = () =>
        subscribers.flatMap((subscriber) => {
          const ids = new Set(subscriber.received.map((event) => event.id));
          const missing = fenceIds.filter((id) => !ids.has(id));
          return missing.length === 0
            ? []
            : [
                `${subscriber.name} lacks ${missing.join(', ')} (last id ${subscriber.lastId}, ${JSON.stringify(subscriber.connections.at(-1))})`,
              ];
        });
      try {
        await until(() => missingFences().length === 0, 'every subscriber has every fence', FENCE_BUDGET_MS);
      } catch (error) {
        throw new Error(`${(error as Error).message}:\n${missingFences().join('\n')}`);
      }
      await Promise.all(subscribers.map((subscriber) => subscriber.stop()));

      const history = await readHistory(redisUrl);
      const { counts, problems } = verify(
        subscribers,
        publishers.flatMap((publisher) => publisher.publications),
        history,
      );
      const sum = (count: (publisher: ChaosPublisher) => number) =>
        publishers.reduce((total, publisher) => total + count(publisher), 0);
      const subscriberSum = (count: (subscriber: ChaosSubscriber) => number) =>
        subscribers.reduce((total, subscriber) => total + count(subscriber), 0);
      const summary = {
        seed: SEED,
        ...counts,
        hops: subscriberSum((subscriber) => subscriber.hops),
        forcedHops: subscriberSum((subscriber) => subscriber.count('hop')),
        drops: subscriberSum((subscriber) => subscriber.count('dropped')),
        streamsCutByRedisRestart: subscriberSum((subscriber) => droppedAcrossRedisRestart(subscriber)),
        refusedSubscribes: subscriberSum((subscriber) => subscriber.count('refused')),
        retries: sum((publisher) => publisher.retries),
        publish503: sum((publisher) => publisher.unavailable),
        publish5xx: sum((publisher) => publisher.serverErrors),
        publishConnectionErrors: sum((publisher) => publisher.connectionErrors),
        viaOtherNode: sum((publisher) => publisher.viaOtherNode),
        chaos: chaosLog.join(', '),
        ms: Date.now() - startedAt,
      };
      console.log(`cluster chaos: ${JSON.stringify(summary)}`);

      expect(problems).toEqual([]);
      expect(counts.lost).toBe(0);
      expect(counts.duplicated).toBe(0);
      // The chaos hit traffic: the killed node cut streams and requests, the Redis outage refused publishes.
      expect(summary.drops).toBeGreaterThan(0);
      expect(summary.publish503 + summary.publishConnectionErrors).toBeGreaterThan(0);
      // A live stream outlives a Redis restart (its node's broker resumes from its cursor). The
      // subscribers that never leave on purpose were live by then: none of their streams may end.
      const stayers = subscribers.filter((_, n) => Math.floor(n / 3) === 2);
      expect(
        stayers
          .filter((subscriber) => droppedAcrossRedisRestart(subscriber) > 0)
          .map((subscriber) => subscriber.name),
        'streams cut by the Redis restart',
      ).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it('leaves no subscriber behind on any node once every client has gone, subscribes refused during the outage included', async () => {
    if (survivors === undefined) throw new Error('the chaos test did not get as far as starting the clients');
    const { cluster, subscribers } = survivors;
    // Stopped already unless the chaos test failed half-way.
    await Promise.all(subscribers.map((subscriber) => subscriber.stop()));
    const counts = async () =>
      Promise.all(
        cluster.up().map(async (node) => {
          const health = (await (await fetch(`${node.url}/healthz`)).json()) as { subscribers: number };
          return { node: node.url, subscribers: health.subscribers };
        }),
      );
    // The streams the clients closed end on the hub within a moment; allow generously for it.
    const deadline = Date.now() + 5_000;
    let last = await counts();
    while (last.some((node) => node.subscribers > 0) && Date.now() < deadline) {
      await delay(50);
      last = await counts();
    }
    const refused = subscribers.reduce((sum, subscriber) => sum + subscriber.count('refused'), 0);
    expect(
      last.filter((node) => node.subscribers > 0),
      `subscribers still registered (/healthz) after every client left; ${refused} subscribes were refused (503) while Redis was down`,
    ).toEqual([]);
  });
});

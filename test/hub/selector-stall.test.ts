import os from 'node:os';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Hub } from '../../src/hub/hub.js';
import type { StoredEvent } from '../../src/hub/ports.js';
import { compileSelector, matchesAny, type Selector } from '../../src/hub/selector.js';
import { TopicIndex } from '../../src/hub/topic-index.js';
import { openStore } from '../../src/store/open.js';

/**
 * Issue 15: one address (256 connections × 32 selectors by default) opening the costliest
 * templates the hub accepts must not hold the event loop when an event goes to a new topic. The
 * bound asserted is the goal, 50 ms; `npm run bench:selector-stall` prints the measured figure
 * (about the 10 ms matching slice, plus a fraction of a millisecond).
 */
const STALL_BOUND_MS = 50;
const PREFIX = 'https://ex.com/';

/** The `n`-th distinct worst-case template: 10 expressions (the cap) separated by a literal they also match. */
function worstTemplate(n: number): Selector {
  return compileSelector('template', `${PREFIX}{v${n}}${'-{a}'.repeat(9)}`);
}

function newTopic(serial: number, length: number): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789-._~';
  let topic = `${PREFIX}${serial.toString(36)}-`;
  for (let i = 0; topic.length < length; i++) topic += chars[(i * 7 + serial) % chars.length];
  return topic;
}

async function memoryHub(matchSliceMs?: number): Promise<Hub> {
  const { store, broker } = await openStore('memory', { retention: { maxEvents: 10_000 } });
  const hub = new Hub({ store, broker, pruneIntervalMs: 0, matchSliceMs });
  await hub.start();
  return hub;
}

async function subscribe(
  hub: Hub,
  selectors: Selector[],
  received: StoredEvent[] = [],
): Promise<StoredEvent[]> {
  const open = await hub.openSubscription({
    selectors,
    canReceivePrivate: () => false,
    sink: { deliver: (update) => received.push(update.event), close: () => {} },
    transport: 'test',
  });
  await open.replay();
  return received;
}

function collected<T>(index: TopicIndex<T>, topics: string[]): T[] {
  const seen: T[] = [];
  index.collect(topics, (subscriber) => seen.push(subscriber));
  return seen;
}

/** Whether a block is under the bound: in CPU time, and in wall time when the machine has a core to spare. */
function isWithinBound(block: Block): boolean {
  return block.cpuMs < STALL_BOUND_MS && (!hasIdleCore() || block.wallMs < STALL_BOUND_MS);
}

function hasIdleCore(): boolean {
  return os.loadavg()[0]! < os.cpus().length;
}

interface Block {
  /** Wall time of the longest stretch without a turn of the event loop. */
  wallMs: number;
  /** The most CPU time this process used within one such stretch. */
  cpuMs: number;
}

function cpuMsNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * The longest synchronous stretches while `work` runs: a chain of `setImmediate` runs once per
 * turn of the event loop, so the gaps between its callbacks are the turns' durations.
 */
async function longestBlock(work: () => Promise<void>): Promise<Block> {
  let lastMs = performance.now();
  let lastCpuMs = cpuMsNow();
  const longest: Block = { wallMs: 0, cpuMs: 0 };
  let isRunning = true;
  const tick = () => {
    const nowMs = performance.now();
    const cpuMs = cpuMsNow();
    longest.wallMs = Math.max(longest.wallMs, nowMs - lastMs);
    longest.cpuMs = Math.max(longest.cpuMs, cpuMs - lastCpuMs);
    lastMs = nowMs;
    lastCpuMs = cpuMs;
    if (isRunning) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    await work();
  } finally {
    isRunning = false;
    tick();
  }
  return longest;
}

describe('selector stall (issue 15)', () => {
  it(`does not hold the event loop ${STALL_BOUND_MS} ms when 256 × 32 distinct worst templates meet new topics of 100 and 1,000 characters`, async () => {
    const hub = await memoryHub();
    try {
      for (let s = 0; s < 256; s++) {
        await subscribe(
          hub,
          Array.from({ length: 32 }, (_, k) => worstTemplate(s * 32 + k)),
        );
      }
      const fits = compileSelector('template', `${PREFIX}{serial}-{+rest}`);
      const received = await subscribe(hub, [fits]);
      let serial = 0;
      for (const length of [100, 1000]) {
        // The hub's work is bounded; a turn can still last longer for reasons no code here controls:
        // a garbage collection of this test's heap (8,000 subscribers), or, in wall time, waiting for
        // a core on a shared machine (turns above 100 ms seen at a load average of 20 on 2 cores).
        // So the best of up to five publishes counts: a stall by the hub shows in every one.
        // Asserted on the CPU time the process used in the turn, and on its wall time when the
        // machine has a core to spare.
        let best: Block = { wallMs: Number.POSITIVE_INFINITY, cpuMs: Number.POSITIVE_INFINITY };
        for (let attempt = 0; attempt < 5 && !isWithinBound(best); attempt++) {
          const topic = newTopic(serial++, length);
          const before = received.length;
          const block = await longestBlock(async () => {
            await hub.publish({ topics: [topic], data: 'x' });
            while (received.length === before) await new Promise((resolve) => setImmediate(resolve));
          });
          expect(received.at(-1)?.topics).toEqual([topic]);
          best = { wallMs: Math.min(best.wallMs, block.wallMs), cpuMs: Math.min(best.cpuMs, block.cpuMs) };
        }
        expect(best.cpuMs, `CPU time of the longest turn, ${length}-character topic`).toBeLessThan(
          STALL_BOUND_MS,
        );
        if (hasIdleCore()) {
          expect(best.wallMs, `wall time of the longest turn, ${length}-character topic`).toBeLessThan(
            STALL_BOUND_MS,
          );
        } else {
          console.info(
            `selector stall: wall time not asserted at load average ${os.loadavg()[0]} (best ${best.wallMs} ms)`,
          );
        }
      }
    } finally {
      await hub.close();
    }
  }, 120_000);

  it(`does not hold the event loop ${STALL_BOUND_MS} ms replaying history to 32 worst templates`, async () => {
    const hub = await memoryHub();
    try {
      const published: string[] = [];
      for (let i = 0; i < 300; i++) {
        published.push((await hub.publish({ topics: [newTopic(50_000 + i, 1000)], data: 'x' })).id);
      }
      const selectors = [
        ...Array.from({ length: 31 }, (_, k) => worstTemplate(20_000 + k)),
        compileSelector('template', `${PREFIX}{serial}-{+rest}`),
      ];
      // As above: the best of up to five replays counts, on CPU time (and wall time with a core to spare).
      let best: Block = { wallMs: Number.POSITIVE_INFINITY, cpuMs: Number.POSITIVE_INFINITY };
      for (let attempt = 0; attempt < 5 && !isWithinBound(best); attempt++) {
        const received: StoredEvent[] = [];
        const block = await longestBlock(async () => {
          const open = await hub.openSubscription({
            selectors,
            canReceivePrivate: () => false,
            sink: { deliver: (update) => received.push(update.event), close: () => {} },
            transport: 'test',
            lastEventId: 'earliest',
          });
          await open.replay();
          open.subscriber.close('shutdown');
        });
        expect(received.map((event) => event.id)).toEqual(published);
        best = { wallMs: Math.min(best.wallMs, block.wallMs), cpuMs: Math.min(best.cpuMs, block.cpuMs) };
      }
      expect(best.cpuMs, 'CPU time of the longest turn of a replay').toBeLessThan(STALL_BOUND_MS);
      if (hasIdleCore()) {
        expect(best.wallMs, 'wall time of the longest turn of a replay').toBeLessThan(STALL_BOUND_MS);
      } else {
        console.info(
          `selector stall: replay wall time not asserted at load average ${os.loadavg()[0]} (best ${best.wallMs} ms)`,
        );
      }
    } finally {
      await hub.close();
    }
  }, 120_000);

  it('keeps cursor order when a fan-out waits for its matching: later events queue behind it', async () => {
    // A slice of 0 ms: every match past the first waits for the next turn.
    const hub = await memoryHub(0);
    try {
      for (let s = 0; s < 20; s++) await subscribe(hub, [worstTemplate(10_000 + s)]);
      const both = await subscribe(hub, [
        compileSelector('template', `${PREFIX}order/{id}`),
        compileSelector('exact', `${PREFIX}exact`),
      ]);
      const first = await hub.publish({ topics: [`${PREFIX}order/1`], data: '1' });
      const second = await hub.publish({ topics: [`${PREFIX}exact`], data: '2' });
      // Acknowledged (stored) before the matching of the first is done: nothing delivered yet.
      expect(both).toEqual([]);
      while (both.length < 2) await new Promise((resolve) => setImmediate(resolve));
      expect(both.map((event) => event.id)).toEqual([first.id, second.id]);
    } finally {
      await hub.close();
    }
  });
});

describe('TopicIndex.advance', () => {
  it('reads the clock after every match and stops past the deadline, then resumes where it was', () => {
    let clockMs = 0;
    const index = new TopicIndex<number>({ nowMs: () => ++clockMs });
    const selectors = Array.from({ length: 50 }, (_, i) =>
      compileSelector('template', `${PREFIX}{x${i}}/{y}`),
    );
    for (const [i, selector] of selectors.entries()) index.add(i, [selector]);
    const topic = `${PREFIX}a/b`;
    const resolution = index.resolve([topic]);
    let calls = 0;
    while (!index.advance(resolution, clockMs + 5)) calls++;
    // 5 clock readings per call: 5 matches (one more than the deadline allows at most).
    expect(calls).toBeGreaterThanOrEqual(8);
    expect(calls).toBeLessThanOrEqual(10);
    const seen: number[] = [];
    index.collect([topic], (i) => seen.push(i), resolution);
    expect(seen.sort((a, b) => a - b)).toEqual(selectors.map((_, i) => i));
  });

  it('gives an in-flight event the selectors indexed when its matching began, and the next event the newcomers too', () => {
    let clockMs = 0;
    const index = new TopicIndex<string>({ nowMs: () => ++clockMs });
    for (let i = 0; i < 10; i++) index.add(`s${i}`, [compileSelector('template', `${PREFIX}{p${i}}`)]);
    const topic = `${PREFIX}late`;
    const resolution = index.resolve([topic]);
    expect(index.advance(resolution, clockMs + 3)).toBe(false);
    index.add('late', [compileSelector('template', `${PREFIX}{late}`)]);
    while (!index.advance(resolution, clockMs + 3)) {}
    const during: string[] = [];
    index.collect([topic], (s) => during.push(s), resolution);
    // The in-flight event goes to the selectors indexed when its matching began...
    expect(during).not.toContain('late');
    expect(during).toHaveLength(10);
    // ...and the next one, matched afresh, to the newcomer too.
    const after: string[] = [];
    index.collect([topic], (s) => after.push(s));
    expect(after).toContain('late');
    expect(after).toHaveLength(11);
  });

  it('does not match a known topic again against every pattern when subscribers come and go', () => {
    let calls = 0;
    const counting = (raw: string): Selector => {
      const real = compileSelector('template', raw);
      return {
        ...real,
        matches: (topic) => {
          calls++;
          return real.matches(topic);
        },
      };
    };
    const index = new TopicIndex<string>();
    for (let i = 0; i < 100; i++) index.add(`s${i}`, [counting(`${PREFIX}{p${i}}`)]);
    const topic = `${PREFIX}known`;
    expect(collected(index, [topic])).toHaveLength(100);
    expect(calls).toBe(100);
    // 150 connections with a new pattern each, gone before the next publish: nothing to test. (The
    // log of groups is compacted once removed ones outnumber live ones by 64, which re-matches
    // each cached topic once: amortized, under one match per connection.)
    for (let i = 0; i < 150; i++) {
      index.add('churn', [counting(`${PREFIX}{churn${i}}`)]);
      index.remove('churn');
    }
    expect(collected(index, [topic])).toHaveLength(100);
    expect(calls).toBe(100);
    // One newcomer that stays: tested once against the known topic, then cached with the rest.
    index.add('newcomer', [counting(`${PREFIX}{newcomer}`)]);
    expect(collected(index, [topic])).toHaveLength(101);
    expect(collected(index, [topic])).toHaveLength(101);
    expect(calls).toBe(101);
  });

  it('visits what a naive scan finds, whatever the order of adds, removals and events', () => {
    const selectorPool = [
      ...['{a}', 'x/{a}', '{+a}', 'x{/a}', 'y/{a}-{b}', '{a}/y'].map((t) =>
        compileSelector('template', `${PREFIX}${t}`),
      ),
      compileSelector('urlpattern', `${PREFIX}x/:id`),
      compileSelector('exact', `${PREFIX}x/1`),
    ];
    const topicPool = ['x/1', 'x/2', 'y/a-b', 'a/y', 'x', 'z'].map((t) => `${PREFIX}${t}`);
    const op = fc.oneof(
      fc.record({ add: fc.nat(5), selectors: fc.subarray(selectorPool, { minLength: 1 }) }),
      fc.record({ remove: fc.nat(5) }),
      fc.record({ topics: fc.subarray(topicPool, { minLength: 1 }), sliceCalls: fc.nat(3) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let clockMs = 0;
        const index = new TopicIndex<number>({ nowMs: () => ++clockMs, maxCachedTopics: 3 });
        const live = new Map<number, Selector[]>();
        for (const step of ops) {
          if ('add' in step) {
            index.add(step.add, step.selectors);
            live.set(step.add, step.selectors);
          } else if ('remove' in step) {
            index.remove(step.remove);
            live.delete(step.remove);
          } else {
            const expected = [...live]
              .filter(([, selectors]) => matchesAny(selectors, step.topics))
              .map(([id]) => id);
            const resolution = index.resolve(step.topics);
            for (let i = 0; i < step.sliceCalls && !index.advance(resolution, clockMs + 1); i++) {}
            while (!index.advance(resolution, clockMs + 1)) {}
            const seen: number[] = [];
            index.collect(step.topics, (id) => seen.push(id), resolution);
            expect(seen.sort()).toEqual(expected.sort());
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

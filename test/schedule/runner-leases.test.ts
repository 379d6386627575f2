/**
 * The runner's short leases, on fake time: renewed every third of the lease while a batch is
 * delivered, so a delivery may take any time without another runner taking it, and a runner that
 * dies (its timers stop, its delivery never ends) loses its claims one lease after its last
 * renewal, when a survivor delivers them once (the event-id dedupe refusing the repeat).
 */
import { describe, expect, it } from 'vitest';
import type { Timers } from '../../src/clock/index.js';
import { type Delivery, ScheduleRunner, type ScheduleRunnerOptions } from '../../src/schedule/runner.js';
import { MemoryScheduleStore } from '../../src/store/schedule-memory.js';
import { FakeTime } from '../support/fake-time.js';
import { oneShot, T0 } from './support.js';

/** A memory store that records every renewal and can be made to fail them. */
class RecordingStore extends MemoryScheduleStore {
  readonly renewals: { atMs: number; workerId: string; ids: string[] }[] = [];
  failsRenewals = false;

  override async renew(ids: readonly string[], workerId: string, nowMs: number, leaseMs: number) {
    this.renewals.push({ atMs: nowMs, workerId, ids: [...ids] });
    if (this.failsRenewals) throw new Error('schedule store unavailable');
    return super.renew(ids, workerId, nowMs, leaseMs);
  }
}

/** Timers of one "process" on shared fake time: after `kill()` none of its callbacks ever runs. */
function mortalTimers(time: FakeTime): { timers: Timers; kill(): void } {
  let isDead = false;
  return {
    timers: {
      setTimeout: (callback, delayMs) =>
        time.setTimeout(() => {
          if (!isDead) callback();
        }, delayMs),
      clearTimeout: (handle) => time.clearTimeout(handle),
    },
    kill: () => {
      isDead = true;
    },
  };
}

/** The event store's unique-id rule, as the hub applies it to occurrence ids. */
function uniqueEventLog() {
  const ids = new Set<string>();
  return {
    ids,
    append(id: string): 'appended' | 'duplicate' {
      if (ids.has(id)) return 'duplicate';
      ids.add(id);
      return 'appended';
    },
  };
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const never = new Promise<never>(() => {});

function runner(
  store: RecordingStore,
  time: FakeTime,
  workerId: string,
  deliver: (delivery: Delivery) => Promise<void>,
  extra: Partial<ScheduleRunnerOptions> = {},
): ScheduleRunner {
  return new ScheduleRunner({ store, clock: time, timers: time, workerId, deliver, ...extra });
}

describe('ScheduleRunner leases', () => {
  it('claims for 10 s by default and renews every third of that while it delivers', async () => {
    const store = new RecordingStore();
    const time = new FakeTime(T0);
    const release = deferred();
    const a = runner(store, time, 'a', () => release.promise);
    await store.add(oneShot('x', T0 + 1_000));
    await a.start();
    await time.advanceBy(1_000);
    expect(await store.get('x')).toMatchObject({
      state: 'claimed',
      claimedBy: 'a',
      leaseUntilMs: T0 + 11_000,
    });
    await time.advanceBy(7_000);
    expect(store.renewals.map((r) => r.atMs - T0)).toEqual([4_333, 7_666]);
    expect((await store.get('x'))?.leaseUntilMs).toBe(T0 + 17_666);
    release.resolve();
    await time.advanceBy(0);
    expect(await store.get('x')).toMatchObject({ state: 'done', deliveredCount: 1 });
    await a.stop();
    expect(time.pendingTimers).toBe(0);
  });

  it('keeps a delivery that outlasts many leases from another runner, and stops renewing once the batch is completed', async () => {
    const store = new RecordingStore();
    const time = new FakeTime(T0);
    const release = deferred();
    const deliveredBy: [string, string][] = [];
    const a = runner(
      store,
      time,
      'a',
      async (d) => {
        deliveredBy.push(['a', d.schedule.id]);
        await release.promise;
      },
      { leaseMs: 9_000 },
    );
    const b = runner(
      store,
      time,
      'b',
      async (d) => {
        deliveredBy.push(['b', d.schedule.id]);
      },
      { leaseMs: 9_000 },
    );
    await store.add(oneShot('slow', T0 + 1_000));
    await store.add(oneShot('slower', T0 + 1_000));
    await a.start();
    await time.advanceBy(1_000);
    await b.start();
    // The deliveries take a minute, six and a half leases; B wakes at every lease expiry it reads.
    await time.advanceBy(60_000);
    expect(deliveredBy).toEqual([
      ['a', 'slow'],
      ['a', 'slower'],
    ]);
    expect(store.renewals.map((r) => [r.atMs - T0, r.workerId, r.ids])).toEqual(
      Array.from({ length: 20 }, (_, k) => [1_000 + 3_000 * (k + 1), 'a', ['slow', 'slower']]),
    );
    expect((await store.get('slow'))?.leaseUntilMs).toBe(T0 + 61_000 + 9_000);

    release.resolve();
    await time.advanceBy(0);
    for (const id of ['slow', 'slower']) {
      expect(await store.get(id)).toMatchObject({ state: 'done', deliveredCount: 1 });
    }
    const renewalCount = store.renewals.length;
    await time.advanceBy(60_000);
    expect(store.renewals).toHaveLength(renewalCount);
    expect(deliveredBy).toHaveLength(2);
    await Promise.all([a.stop(), b.stop()]);
    expect(time.pendingTimers).toBe(0);
  });

  it('when a runner dies while it delivers, a survivor takes its claims over one lease after its last renewal and delivers each once', async () => {
    const store = new RecordingStore();
    const time = new FakeTime(T0);
    const log = uniqueEventLog();
    const process = mortalTimers(time);
    // A appends the occurrence, then dies before completing it: its delivery never ends.
    const a = runner(
      store,
      time,
      'a',
      async (d) => {
        log.append(d.eventId);
        await never;
      },
      { leaseMs: 9_000, timers: process.timers },
    );
    const outcomes: [string, string, number][] = [];
    const b = runner(
      store,
      time,
      'b',
      async (d) => {
        outcomes.push([d.schedule.id, log.append(d.eventId), time.nowMs() - T0]);
      },
      { leaseMs: 9_000 },
    );
    await store.add(oneShot('x', T0 + 1_000));
    await store.add(oneShot('y', T0 + 1_000));
    await a.start();
    await b.start();
    await time.advanceBy(7_500);
    expect(store.renewals.map((r) => r.atMs - T0)).toEqual([4_000, 7_000]);
    process.kill(); // kill -9 at T0 + 7.5 s; its last renewal holds until T0 + 16 s
    await time.advanceBy(30_000);
    expect(outcomes).toEqual([
      ['x', 'duplicate', 16_000],
      ['y', 'duplicate', 16_000],
    ]);
    expect(log.ids.size).toBe(2);
    for (const id of ['x', 'y']) {
      expect(await store.get(id)).toMatchObject({
        state: 'done',
        deliveredCount: 1,
        lastDeliveredAtMs: T0 + 16_000,
      });
    }
    await b.stop();
  });

  it('takes over within max(leaseMs, maxWaitMs) of a death even when it slept before the claims were made', async () => {
    const store = new RecordingStore();
    const time = new FakeTime(T0);
    const delivered: number[] = [];
    // B starts on an empty store: nothing due, so it sleeps its default maxWaitMs (10 s).
    const b = runner(store, time, 'b', async () => {
      delivered.push(time.nowMs() - T0);
    });
    await b.start();
    // Another process adds a schedule, claims it with a 3 s lease and dies at T0 + 1.5 s.
    const process = mortalTimers(time);
    const a = runner(store, time, 'a', () => never, { leaseMs: 3_000, timers: process.timers });
    await store.add(oneShot('x', T0 + 1_000));
    await a.start();
    await time.advanceBy(1_500);
    expect(await store.get('x')).toMatchObject({ claimedBy: 'a', leaseUntilMs: T0 + 4_000 });
    process.kill();
    await time.advanceBy(20_000);
    expect(delivered).toEqual([10_000]);
    expect(await store.get('x')).toMatchObject({ state: 'done', deliveredCount: 1 });
    await b.stop();
  });

  it('stops renewing a claim it lost (cancelled during the delivery) and keeps renewing the rest', async () => {
    const store = new RecordingStore();
    const time = new FakeTime(T0);
    const release = deferred();
    const a = runner(store, time, 'a', () => release.promise, { leaseMs: 9_000 });
    await store.add(oneShot('kept', T0));
    await store.add(oneShot('lost', T0));
    const started = a.start(); // claims both at T0; its first pass ends with the delivery
    await time.advanceBy(2_000);
    expect(await store.cancel('lost')).toBe(true);
    await time.advanceBy(5_000);
    expect(store.renewals.map((r) => [r.atMs - T0, r.ids])).toEqual([
      [3_000, ['kept', 'lost']],
      [6_000, ['kept']],
    ]);
    release.resolve();
    await started;
    expect((await store.list()).map((s) => [s.id, s.state, s.deliveredCount])).toEqual([
      ['kept', 'done', 1],
      ['lost', 'cancelled', 0],
    ]);
    await a.stop();
  });

  it('reports a failed renewal and keeps trying; a lease that lapses meanwhile goes to another runner, and the late completion changes nothing', async () => {
    const store = new RecordingStore();
    const time = new FakeTime(T0);
    const release = deferred();
    const errors: unknown[] = [];
    const deliveredBy: [string, number][] = [];
    const a = runner(
      store,
      time,
      'a',
      async () => {
        deliveredBy.push(['a', time.nowMs() - T0]);
        await release.promise;
      },
      { leaseMs: 9_000, onError: (error) => errors.push(error) },
    );
    const b = runner(
      store,
      time,
      'b',
      async () => {
        deliveredBy.push(['b', time.nowMs() - T0]);
      },
      { leaseMs: 9_000 },
    );
    await store.add(oneShot('x', T0));
    const started = a.start(); // claims at T0 (lease until T0 + 9 s); its first pass ends with the delivery
    await time.advanceBy(0);
    await b.start();
    store.failsRenewals = true;
    await time.advanceBy(8_000);
    expect(errors.map((e) => (e as Error).message)).toEqual([
      'schedule store unavailable',
      'schedule store unavailable',
    ]);
    store.failsRenewals = false;
    // A's next renewal falls due at T0 + 9 s, the instant the lease ends. B's wake at that instant
    // was armed first: B takes the claim over, and A's renewal finds it lost.
    await time.advanceBy(2_000);
    expect(store.renewals.map((r) => [r.atMs - T0, r.workerId])).toEqual([
      [3_000, 'a'],
      [6_000, 'a'],
      [9_000, 'a'],
    ]);
    expect(deliveredBy).toEqual([
      ['a', 0],
      ['b', 9_000],
    ]);
    expect(await store.get('x')).toMatchObject({
      state: 'done',
      deliveredCount: 1,
      lastDeliveredAtMs: T0 + 9_000,
    });
    release.resolve();
    await started;
    expect(await store.get('x')).toMatchObject({
      state: 'done',
      deliveredCount: 1,
      lastDeliveredAtMs: T0 + 9_000,
    });
    await Promise.all([a.stop(), b.stop()]);
    expect(time.pendingTimers).toBe(0);
  });

  it('refuses a lease too short to renew or too long for a timer', () => {
    const time = new FakeTime(T0);
    const store = new RecordingStore();
    const deliver = async () => {};
    expect(() => runner(store, time, 'a', deliver, { leaseMs: 2 })).toThrow(RangeError);
    expect(() => runner(store, time, 'a', deliver, { leaseMs: 2 ** 31 })).toThrow(RangeError);
    expect(() => runner(store, time, 'a', deliver, { leaseMs: 3 })).not.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { Hub } from '../../src/hub/hub.js';
import type { Delivery } from '../../src/schedule/runner.js';
import { ScheduleService } from '../../src/schedule/service.js';
import { LocalBroker } from '../../src/store/local-broker.js';
import { MemoryStore } from '../../src/store/memory.js';
import { MemoryScheduleStore } from '../../src/store/schedule-memory.js';
import { TimeError } from '../../src/time/errors.js';
import { FakeTime } from '../support/fake-time.js';

const START_MS = Date.UTC(2026, 10, 25, 12);

async function setUp() {
  const time = new FakeTime(START_MS);
  const hub = new Hub({ store: new MemoryStore(), broker: new LocalBroker(), clock: time, timers: time });
  await hub.start();
  const publishing = new ScheduleService({ hub, store: new MemoryScheduleStore(), timers: time });
  return { time, hub, publishing };
}

describe('ScheduleService', () => {
  it('treats a redelivery of an occurrence already in the event store as delivered, storing it once', async () => {
    const { hub, publishing } = await setUp();
    const delivery = publishing.resolve({ at: '2026-11-25T12:00:00Z' });
    if (delivery === undefined) throw new Error('expected a delivery time');
    const { schedule } = await publishing.publishLater({ topics: ['t'], data: 'x' }, delivery);
    const claimed = await publishing.store.claimDue(START_MS, 10, 'worker', 60_000);
    expect(claimed.map((s) => s.id)).toEqual([schedule.id]);
    const occurrence = {
      schedule: claimed[0],
      eventId: 'urn:uuid:0193c8a0-0000-7000-8000-000000000001',
    } as Delivery;
    await publishing.deliver(occurrence);
    // A crash before `complete`, or another process whose lease expired, delivers it again:
    await expect(publishing.deliver(occurrence)).resolves.toBeUndefined();
    expect(await hub.store.headCursor()).toBe(1);
    await hub.close();
  });

  it('stores an occurrence once even when a publisher reused its id in between: the occurrence id is exclusive', async () => {
    const { hub, publishing } = await setUp();
    const delivery = publishing.resolve({ at: '2026-11-25T12:00:00Z' });
    if (delivery === undefined) throw new Error('expected a delivery time');
    await publishing.publishLater({ topics: ['t'], data: 'x' }, delivery);
    const [schedule] = await publishing.store.claimDue(START_MS, 10, 'worker', 60_000);
    const occurrence = { schedule, eventId: 'urn:uuid:0193c8a0-0000-7000-8000-000000000002' } as Delivery;
    const delivered: string[] = [];
    hub.broker.subscribe((event) => delivered.push(event.data));
    await publishing.deliver(occurrence);
    // A publisher reuses the id (legal: ids SHOULD be unique, not MUST) with other content, so the
    // occurrence is no longer the newest event with it: only exclusivity tells the redelivery apart.
    await hub.publish({ id: occurrence.eventId, topics: ['t'], data: 'a publisher' });
    await publishing.deliver(occurrence);
    expect(delivered).toEqual(['x', 'a publisher']);
    expect(await hub.store.headCursor()).toBe(2);
    await hub.close();
  });

  it('refuses a number where an RFC 3339 string is expected (seconds or milliseconds?)', async () => {
    const { hub, publishing } = await setUp();
    expect(() => publishing.resolve({ at: 1_764_072_000 })).toThrow(
      expect.objectContaining({ code: 'TIME_NOT_A_STRING', field: 'deliver_at' }),
    );
    expect(() => publishing.resolve({ at: 1_764_072_000 })).toThrow(TimeError);
    await hub.close();
  });

  it('validates the event as an immediate publish does, before storing anything', async () => {
    const { hub, publishing } = await setUp();
    const delivery = publishing.resolve({ at: '2026-11-26T12:00:00Z' });
    if (delivery === undefined) throw new Error('expected a delivery time');
    await expect(publishing.publishLater({ topics: [] }, delivery)).rejects.toMatchObject({
      code: 'TOPIC_MISSING',
    });
    await expect(
      publishing.publishLater({ topics: ['/.well-known/mercure/x'] }, delivery),
    ).rejects.toMatchObject({ code: 'TOPIC_RESERVED' });
    await expect(publishing.publishLater({ topics: ['t'], retry: '-1' }, delivery)).rejects.toMatchObject({
      code: 'RETRY_INVALID',
    });
    expect(await publishing.list()).toEqual([]);
    const { schedule } = await publishing.publishLater(
      { topics: ['t'], type: 'greeting' },
      delivery,
      'alice',
    );
    expect(schedule).toMatchObject({ ownerId: 'alice', event: { type: 'greeting', isPrivate: false } });
    expect(schedule.id).toMatch(/^urn:uuid:/);
    await hub.close();
  });
});

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { StoredEvent } from '../../src/hub/ports.js';
import { LocalBroker } from '../../src/store/local-broker.js';
import { storedEvent } from './conformance.js';

describe('LocalBroker', () => {
  it('has called every listener by the time publish returns', async () => {
    const broker = new LocalBroker();
    const received: StoredEvent[] = [];
    broker.subscribe((event) => received.push(event));
    const done = broker.publish(storedEvent(1));
    expect(received).toHaveLength(1);
    await done;
  });

  it('reports a throwing listener to onListenerError with the event, and still resolves publish', async () => {
    const onListenerError = vi.fn();
    const broker = new LocalBroker({ onListenerError });
    const failure = new Error('boom');
    broker.subscribe(() => {
      throw failure;
    });
    const event = storedEvent(1);
    await broker.publish(event);
    expect(onListenerError).toHaveBeenCalledWith(failure, event);
  });

  it('warns by default when a listener throws', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const broker = new LocalBroker();
      broker.subscribe(() => {
        throw new Error('boom');
      });
      await broker.publish(storedEvent(1));
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('boom'), 'HeraldBrokerWarning');
    } finally {
      warn.mockRestore();
    }
  });

  it('does not change who gets the current event when a listener subscribes or unsubscribes during it', async () => {
    const broker = new LocalBroker();
    const calls: string[] = [];
    let unsubscribeSecond = () => {};
    broker.subscribe((event) => {
      calls.push(`first ${event.cursor}`);
      unsubscribeSecond();
      broker.subscribe((late) => calls.push(`late ${late.cursor}`));
    });
    unsubscribeSecond = broker.subscribe((event) => calls.push(`second ${event.cursor}`));
    await broker.publish(storedEvent(1));
    expect(calls).toEqual(['first 1', 'second 1']);
  });

  it('registers one function subscribed twice as two subscriptions that leave independently', async () => {
    const broker = new LocalBroker();
    const received: number[] = [];
    const listener = (event: StoredEvent) => received.push(event.cursor);
    const unsubscribeFirst = broker.subscribe(listener);
    broker.subscribe(listener);
    await broker.publish(storedEvent(1));
    unsubscribeFirst();
    await broker.publish(storedEvent(2));
    expect(received).toEqual([1, 1, 2]);
  });

  it('refuses new subscriptions after close with CLOSED', async () => {
    const broker = new LocalBroker();
    await broker.close();
    expect(() => broker.subscribe(() => {})).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });

  it('delivers an event published from inside a listener after the current one, so every listener still sees cursor order', async () => {
    // A relay: a second publisher whose publish runs inside the dispatch of the first one's event.
    const broker = new LocalBroker();
    const seen: Record<string, number[]> = { before: [], relay: [], after: [] };
    broker.subscribe((event) => seen.before!.push(event.cursor));
    broker.subscribe((event) => {
      seen.relay!.push(event.cursor);
      if (event.cursor === 1) void broker.publish(storedEvent(2));
    });
    broker.subscribe((event) => seen.after!.push(event.cursor));
    await broker.publish(storedEvent(1));
    expect(seen).toEqual({ before: [1, 2], relay: [1, 2], after: [1, 2] });
  });

  it('gives every listener the events of two publishers in cursor order, none skipped from its subscription until it leaves', async () => {
    // The publishers call publish in cursor order between them (the hub does: it publishes once the
    // append resolved, and appends resolve in cursor order); one of them may publish from inside a
    // listener. Listeners come and go between publishes.
    const step = fc.oneof(
      fc.record({ kind: fc.constant('publish' as const), relayed: fc.nat({ max: 2 }) }),
      fc.record({ kind: fc.constant('subscribe' as const) }),
      fc.record({ kind: fc.constant('unsubscribe' as const), which: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const broker = new LocalBroker();
        let nextCursor = 1;
        /** How many events the relay still publishes, one per event it receives. */
        let toRelay = 0;
        broker.subscribe(() => {
          if (toRelay === 0) return;
          toRelay--;
          void broker.publish(storedEvent(nextCursor++));
        });
        const listeners: { received: number[]; expected: number[]; leave?: () => void }[] = [];
        const active = () => listeners.filter((listener) => listener.leave !== undefined);
        for (const s of steps) {
          if (s.kind === 'subscribe') {
            const listener: (typeof listeners)[number] = { received: [], expected: [] };
            listener.leave = broker.subscribe((event) => listener.received.push(event.cursor));
            listeners.push(listener);
          }
          if (s.kind === 'unsubscribe' && active().length > 0) {
            const leaving = active()[s.which % active().length]!;
            leaving.leave!();
            leaving.leave = undefined;
          }
          if (s.kind === 'publish') {
            const first = nextCursor++;
            toRelay = s.relayed;
            const published = Array.from({ length: 1 + s.relayed }, (_, i) => first + i);
            for (const listener of active()) listener.expected.push(...published);
            await broker.publish(storedEvent(first));
            expect(nextCursor).toBe(first + 1 + s.relayed);
          }
        }
        for (const listener of listeners) expect(listener.received).toEqual(listener.expected);
      }),
      { numRuns: 200 },
    );
  });
});

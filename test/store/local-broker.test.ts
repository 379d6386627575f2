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
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSource } from '../../src/client/index.js';
import { RealHub } from './real-hub.js';
import { nextEvent, waitFor } from './support.js';

let hub: RealHub;
beforeEach(async () => {
  hub = await RealHub.start();
});
afterEach(() => hub.close());

const EVENT_COUNT = 150;

/** Publishes EVENT_COUNT events one request after another, while the client polls. */
async function publishConcurrently(): Promise<void> {
  for (let i = 1; i <= EVENT_COUNT; i++) await hub.publish(`m${i}`, i % 10 === 0 ? 'tick' : undefined);
}

function collect(source: EventSource): string[] {
  const received: string[] = [];
  const record = (event: Event) => {
    const message = event as MessageEvent<string>;
    received.push(`${message.type}:${message.data}:${message.lastEventId}`);
  };
  source.addEventListener('message', record);
  source.addEventListener('tick', record);
  return received;
}

const expected = () =>
  Array.from({ length: EVENT_COUNT }, (_, index) => {
    const n = index + 1;
    return `${n % 10 === 0 ? 'tick' : 'message'}:m${n}:e${n}`;
  });

/** A cursor's position: `earliest` is before `e1`. */
const positionOf = (cursor: string) => (cursor === 'earliest' ? 0 : Number(cursor.slice(1)));

describe.each([{ transport: 'long-poll' as const }, { transport: 'short-poll' as const }])(
  '$transport against the hub',
  ({ transport }) => {
    it('delivers every event exactly once, in order, while events are published concurrently', async () => {
      const source = new EventSource(hub.url, {
        transport,
        headers: hub.subscriberHeaders,
        // From the start of the history: the first poll may reach the hub after the first publication.
        lastEventId: 'earliest',
        shortPollIntervalMs: 2,
        longPollTimeoutMs: 50,
      });
      const received = collect(source);
      const opened = nextEvent(source, 'open');
      await publishConcurrently();
      await opened;
      await waitFor(() => received.length >= EVENT_COUNT, `${EVENT_COUNT} events`, 2000);
      source.close();
      expect(received).toEqual(expected());
      expect(source.lastEventId).toBe(`e${EVENT_COUNT}`);
      // Every poll carried the cursor of the previous response.
      expect(hub.subscriptions.every((request) => request.transport === transport)).toBe(true);
      expect(hub.subscriptions[0]!.cursor).toBe('earliest');
      const cursors = hub.subscriptions.map((request) => positionOf(request.cursor));
      expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
      expect(source.clockOffsetMs).toBeTypeOf('number');
    });
  },
);

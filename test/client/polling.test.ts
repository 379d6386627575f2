import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSource } from '../../src/client/index.js';
import { FakeHub } from './fake-hub.js';
import { nextEvent, waitFor } from './support.js';

let hub: FakeHub;
beforeEach(async () => {
  hub = new FakeHub();
  await hub.start();
});
afterEach(() => hub.close());

const EVENT_COUNT = 150;

/** Publishes EVENT_COUNT events in small bursts across event-loop turns. */
async function publishConcurrently(): Promise<void> {
  for (let i = 1; i <= EVENT_COUNT; i++) {
    hub.publish(`m${i}`, i % 10 === 0 ? 'tick' : undefined);
    if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
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

describe.each([{ transport: 'long-poll' as const }, { transport: 'short-poll' as const }])(
  '$transport against the hub JSON contract',
  ({ transport }) => {
    it('delivers every event exactly once, in order, while events are published concurrently', async () => {
      const source = new EventSource(hub.url, { transport, shortPollIntervalMs: 2, longPollTimeoutMs: 50 });
      const received = collect(source);
      const opened = nextEvent(source, 'open');
      await publishConcurrently();
      await opened;
      await waitFor(() => received.length >= EVENT_COUNT, `${EVENT_COUNT} events`, 2000);
      source.close();
      expect(received).toEqual(expected());
      expect(source.lastEventId).toBe(`e${EVENT_COUNT}`);
      // Every poll carried the cursor of the previous response.
      expect(hub.requests.every((request) => request.transport === transport)).toBe(true);
      const cursors = hub.requests.map((request) => Number(request.cursor.slice(1)));
      expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
      expect(source.clockOffsetMs).toBeTypeOf('number');
    });
  },
);

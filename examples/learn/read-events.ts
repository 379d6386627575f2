/**
 * Reading an event stream the way a browser does, with an EventSource: herald/client's here, so
 * that it runs in Node; in a page the built-in `EventSource` takes the same code.
 * Run: npx tsx examples/learn/read-events.ts URL [COUNT], e.g. against raw-sse-server.ts:
 *      npx tsx examples/learn/read-events.ts http://localhost:3000/events 3
 * Guide: docs/learn/sse-from-the-bytes-up.md. Test: test/learn/sse-bytes.test.ts.
 */

// #region client
import { EventSource, type EventSourceOptions } from 'herald/client'; // in a browser: the built-in EventSource

/** Resolves with the first `count` `tick` events as "id: data", then closes the connection. */
export function readTicks(url: string, count: number, options: EventSourceOptions = {}): Promise<string[]> {
  return new Promise((resolve) => {
    const seen: string[] = [];
    const source = new EventSource(url, options);
    source.addEventListener('tick', (event) => {
      seen.push(`${event.lastEventId}: ${event.data}`); // the data lines come back joined by "\n"
      if (seen.length < count) return;
      source.close(); // without this, EventSource reconnects whenever the stream ends
      resolve(seen);
    });
  });
}
// #endregion client

if (process.argv[1] === import.meta.filename) {
  const url = process.argv[2] ?? 'http://localhost:3000/events';
  for (const line of await readTicks(url, Number(process.argv[3] ?? 3))) console.log(JSON.stringify(line));
}

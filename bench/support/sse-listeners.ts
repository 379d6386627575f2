/**
 * Many plain SSE subscribers over real sockets (`fetch` + Herald's own `EventStreamParser`), each
 * calling `onEvent` with the event's data and the instant it was parsed. Leaner than the full
 * client: no reconnection, so a dropped stream shows up as missing events, not as a silent retry.
 */
import { EventStreamParser } from '../../src/sse/index.js';

export interface SseListeners {
  /** Streams that failed or ended early, with the reason. */
  readonly failures: string[];
  close(): void;
}

export async function openSseListeners(
  url: string,
  count: number,
  onEvent: (listenerIndex: number, data: string, receivedAtMs: number) => void,
): Promise<SseListeners> {
  const abort = new AbortController();
  const failures: string[] = [];
  const opened = Array.from({ length: count }, async (_, index) => {
    const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
    if (response.status !== 200 || !response.body)
      throw new Error(`subscriber ${index}: HTTP ${response.status}`);
    const parser = new EventStreamParser({ onEvent: (event) => onEvent(index, event.data, Date.now()) });
    void pump(response.body, parser).catch((error: unknown) => {
      if (!abort.signal.aborted) failures.push(`subscriber ${index}: ${String(error)}`);
    });
  });
  await Promise.all(opened);
  return { failures, close: () => abort.abort() };
}

async function pump(body: ReadableStream<Uint8Array>, parser: EventStreamParser): Promise<void> {
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) parser.feed(chunk);
  throw new Error('stream ended');
}

/**
 * An event-stream reader for hub tests: opens a GET (or a QUERY) with fetch, parses with
 * eventsource-parser (an independent parser, so a bug in ours cannot hide a bug in the hub), and
 * keeps the events, comments, retry values and the raw text the server wrote.
 */
import { createParser } from 'eventsource-parser';

export interface ReceivedEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

export interface EventStreamReader {
  response: Response;
  events: ReceivedEvent[];
  comments: string[];
  retries: number[];
  /** Everything the server wrote, decoded. */
  raw(): string;
  /** Resolves the first `count` events once they are in; rejects if the stream ends or time runs out first. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedEvent[]>;
  /** Resolves when the server ends the response (or `close` aborts it). */
  ended: Promise<void>;
  close(): void;
}

export interface OpenEventStreamOptions {
  headers?: Record<string, string>;
  /** `GET` unless given (`QUERY` carries its parameters in `body`). */
  method?: string;
  body?: string;
  /** Reads the body of 200 responses only, leaving an error body to the test (`response.text()`). */
  onlyWhenOk?: boolean;
}

/** Opens `url`; resolves once the response headers are in, the body being read in the background. */
export async function openEventStream(
  url: string,
  options: OpenEventStreamOptions = {},
): Promise<EventStreamReader> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body === undefined ? {} : { body: options.body }),
    signal: controller.signal,
  });
  const events: ReceivedEvent[] = [];
  const comments: string[] = [];
  const retries: number[] = [];
  let raw = '';
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  const parser = createParser({
    onEvent: (e) => {
      events.push({ id: e.id, event: e.event, data: e.data });
      wake();
    },
    onComment: (comment) => comments.push(comment),
    onRetry: (retryMs) => retries.push(retryMs),
  });
  let isEnded = false;
  const ended = (async () => {
    if (response.body === null || (options.onlyWhenOk === true && response.status !== 200)) return;
    const decoder = new TextDecoder();
    try {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        raw += text;
        parser.feed(text);
      }
    } catch {
      // aborted by `close()`
    }
  })().finally(() => {
    isEnded = true;
    wake();
  });
  return {
    response,
    events,
    comments,
    retries,
    raw: () => raw,
    ended,
    close: () => controller.abort(),
    waitFor(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out with ${events.length}/${count} events: ${JSON.stringify(events)}`));
        }, timeoutMs);
        function check() {
          if (events.length >= count) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(events.slice(0, count));
          } else if (isEnded) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`stream ended with ${events.length}/${count} events`));
          }
        }
        waiters.add(check);
        check();
      });
    },
  };
}

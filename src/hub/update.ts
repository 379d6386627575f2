import { encodeEvent } from '../sse/index.js';
import type { StoredEvent } from './ports.js';

/** The JSON shape of one event in a long-poll or short-poll answer. */
export interface PollEvent {
  id: string;
  type?: string;
  data: string;
  topics: string[];
  /** Publish instant, RFC 3339 UTC with milliseconds. */
  time: string;
  retry?: number;
}

/**
 * A stored event on its way to subscribers. Each wire shape is encoded at most once, lazily, and the
 * same bytes go to every matching subscriber: with N subscribers, encoding per subscriber would cost
 * N times the CPU and N copies of the payload in memory.
 */
export class Update {
  readonly event: StoredEvent;
  #sseBytes: Uint8Array | undefined;
  #pollEvent: PollEvent | undefined;

  constructor(event: StoredEvent) {
    this.event = event;
  }

  get cursor(): number {
    return this.event.cursor;
  }

  /** `id:` is the public id, `event:` the type, `retry:` the publisher's hint (Mercure's field mapping). */
  sseBytes(): Uint8Array {
    this.#sseBytes ??= encodeEvent({
      id: this.event.id,
      event: this.event.type,
      data: this.event.data,
      retry: this.event.retryMs,
    });
    return this.#sseBytes;
  }

  pollEvent(): PollEvent {
    if (this.#pollEvent === undefined) {
      const out: PollEvent = {
        id: this.event.id,
        data: this.event.data,
        topics: this.event.topics,
        time: new Date(this.event.publishedAtMs).toISOString(),
      };
      if (this.event.type !== undefined) out.type = this.event.type;
      if (this.event.retryMs !== undefined) out.retry = this.event.retryMs;
      this.#pollEvent = out;
    }
    return this.#pollEvent;
  }
}

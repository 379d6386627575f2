import type { StoredEvent } from './ports.js';
import { matchesAny, type Selector } from './selector.js';
import type { Update } from './update.js';

/** Why a subscriber stopped receiving events. */
export type SubscriberCloseReason = 'client' | 'overflow' | 'token-expired' | 'shutdown' | 'error';

/** Where a subscriber's events go: one transport's connection. */
export interface SubscriberSink {
  /** Sends one event. The sink enforces its own bound and closes itself on overflow. */
  deliver(update: Update): void;
  /** Resolves when the transport has room for more replayed events (optional). */
  drain?(): Promise<void>;
  /**
   * Whether the transport holds as much as it should before the client reads more (optional): a
   * replay then awaits `drain()` mid-page, so a long history is sent at the client's pace.
   */
  isBackedUp?(): boolean;
  /** Ends the connection; called once, by the subscriber. */
  close(reason: SubscriberCloseReason): void;
}

/**
 * The buffer of a subscriber that is not replaying: shared, and never written (only `offer` pushes,
 * in the replaying state, after swapping in an array of its own). Saves an array per connection.
 */
const NO_UPDATES: Update[] = [];

export interface SubscriberOptions {
  id: string;
  selectors: Selector[];
  /** The transport label for metrics (`sse`, `long-poll`, `short-poll`). */
  transport: string;
  /** Whether this subscriber's token grants reading a private event (evaluated per event, now). */
  canReceivePrivate: (event: StoredEvent) => boolean;
  sink: SubscriberSink;
  /** Live events held while history replays; past this the subscriber is disconnected. */
  maxBufferedEvents: number;
  /** The token's payload for one selector's subscription (subscription events, subscriptions API). */
  payloadFor?: ((selector: Selector) => unknown) | undefined;
  /** When the subscription started (ms since the epoch), shown in the subscriptions API. */
  subscribedAtMs?: number;
  onClose?: (subscriber: Subscriber, reason: SubscriberCloseReason) => void;
}

/**
 * One connected subscriber. It starts in the replaying state: live events are buffered while
 * history is read up to a snapshot cursor, then the buffer is flushed without the events at or
 * below the snapshot, so that the subscriber sees every event once, in cursor order.
 */
export class Subscriber {
  readonly id: string;
  readonly selectors: Selector[];
  readonly transport: string;
  readonly subscribedAtMs: number;
  // The options' fields, not the options object: one object less per connection.
  #canReceivePrivate: (event: StoredEvent) => boolean;
  #sink: SubscriberSink;
  #maxBufferedEvents: number;
  #payloadFor: ((selector: Selector) => unknown) | undefined;
  #onClose: ((subscriber: Subscriber, reason: SubscriberCloseReason) => void) | undefined;
  #state: 'replaying' | 'live' | 'closed' = 'replaying';
  #buffer: Update[] = NO_UPDATES;
  #lastCursor = 0;

  constructor(options: SubscriberOptions) {
    this.id = options.id;
    this.selectors = options.selectors;
    this.transport = options.transport;
    this.subscribedAtMs = options.subscribedAtMs ?? 0;
    this.#canReceivePrivate = options.canReceivePrivate;
    this.#sink = options.sink;
    this.#maxBufferedEvents = options.maxBufferedEvents;
    this.#payloadFor = options.payloadFor;
    this.#onClose = options.onClose;
  }

  get isClosed(): boolean {
    return this.#state === 'closed';
  }

  /** The cursor of the last event sent to this subscriber (0 before the first). */
  get lastCursor(): number {
    return this.#lastCursor;
  }

  /** The payload shown for the subscription of `selector` (one of this subscriber's). */
  payloadOf(selector: Selector): unknown {
    return this.#payloadFor?.(selector);
  }

  /** Whether one of the selectors matches one of the event's topics. */
  matches(event: StoredEvent): boolean {
    return matchesAny(this.selectors, event.topics);
  }

  /** Whether the event may be sent: it matches and, when private, the token grants it. */
  accepts(event: StoredEvent): boolean {
    return this.matches(event) && (!event.isPrivate || this.#canReceivePrivate(event));
  }

  /** A live event, already known to match (TopicIndex); authorization is checked here. */
  offer(update: Update): void {
    if (this.#state === 'closed') return;
    if (update.event.isPrivate && !this.#canReceivePrivate(update.event)) return;
    if (this.#state === 'replaying') {
      if (this.#buffer === NO_UPDATES) this.#buffer = [];
      this.#buffer.push(update);
      if (this.#buffer.length > this.#maxBufferedEvents) this.close('overflow');
      return;
    }
    this.#send(update);
  }

  /** A replayed event, already filtered by `accepts`; whether it was handed to the sink. */
  sendReplayed(update: Update): boolean {
    return this.#state !== 'closed' && this.#send(update);
  }

  /** Ends the replay: sends the buffered live events newer than the snapshot, then goes live. */
  goLive(snapshotCursor: number, onSent?: (update: Update) => void): void {
    if (this.#state !== 'replaying') return;
    this.#state = 'live';
    const buffered = this.#buffer;
    this.#buffer = NO_UPDATES;
    this.#lastCursor = Math.max(this.#lastCursor, snapshotCursor);
    for (const update of buffered) {
      if (this.isClosed) return;
      if (this.#send(update)) onSent?.(update);
    }
  }

  close(reason: SubscriberCloseReason): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#buffer = NO_UPDATES;
    this.#sink.close(reason);
    this.#onClose?.(this, reason);
  }

  #send(update: Update): boolean {
    // Dedupe by cursor: an event both replayed and received live is sent once.
    if (update.cursor <= this.#lastCursor) return false;
    this.#lastCursor = update.cursor;
    this.#sink.deliver(update);
    return true;
  }
}

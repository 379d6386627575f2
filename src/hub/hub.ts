import { randomUUID } from 'node:crypto';
import { type Clock, MAX_TIMER_DELAY_MS, systemClock, systemTimers, type Timers } from '../clock/index.js';
import { uuidv7 } from '../time/index.js';
import {
  type AppendOptions,
  type Broker,
  type Cursor,
  isDuplicateIdError,
  type NewEvent,
  type RetentionPolicy,
  type Store,
  type StoredEvent,
  type SubscriberDirectory,
} from './ports.js';
import {
  defaultPublishLimits,
  type PublishInput,
  type PublishLimits,
  toNewEvent,
  validatePublishInput,
} from './publish.js';
import type { Selector } from './selector.js';
import { Subscriber, type SubscriberCloseReason, type SubscriberSink } from './subscriber.js';
import { LocalSubscriberDirectory } from './subscriber-directory.js';
import {
  isLegacySubscription,
  SUBSCRIPTION_EVENT_TYPE,
  subscriptionDocument,
  subscriptionTopic,
} from './subscription-topic.js';
import { TopicIndex, type TopicResolution } from './topic-index.js';
import { Update } from './update.js';

/** Counters the hub reports to (Prometheus in `src/http`); every method optional. */
export interface HubObserver {
  published?(event: StoredEvent): void;
  delivered?(transport: string, count: number): void;
  replayed?(transport: string, count: number): void;
  /**
   * One event written to `count` subscribers of a transport (live, replayed or flushed after a
   * replay): called once per event per transport, so a byte counter adds once per event, not per
   * delivery (a per-delivery `inc` was ~3.6% of a full-speed CPU profile, bench/fanout/RESULTS.md).
   */
  sent?(transport: string, update: Update, count: number): void;
  subscriberClosed?(transport: string, reason: SubscriberCloseReason): void;
  /** Seconds one `store.append` took (stored or refused). */
  appendTimed?(seconds: number): void;
  /** Seconds one replay of history took (read and written to the subscriber, buffer flushed). */
  replayTimed?(transport: string, seconds: number): void;
  /**
   * Seconds handing one event to every matching subscriber of this process took, from its arrival:
   * selector matching in slices and waiting behind earlier events included (see `Hub.#dispatch`).
   */
  fanOutTimed?(seconds: number): void;
}

const secondsSince = (startMs: number) => (performance.now() - startMs) / 1000;

/** The default ids: `urn:uuid:` and the process's UUIDv7, so ids increase across its hubs. */
const generateEventId = (nowMs: number) => `urn:uuid:${uuidv7(nowMs)}`;

export interface HubOptions {
  store: Store;
  broker: Broker;
  /**
   * Where the open subscribers are recorded for the subscriptions API and the cluster gauges;
   * closed with the hub. Default: a `LocalSubscriberDirectory` (this process only).
   */
  directory?: SubscriberDirectory | undefined;
  clock?: Clock;
  /** Token expiry and retention wait on these; fake ones let tests fire them. */
  timers?: Timers;
  retention?: RetentionPolicy;
  /** How often retention runs; 0 disables the periodic prune. Default 60 s. */
  pruneIntervalMs?: number;
  /** Events read per store call during a replay. Default 500. */
  replayPageSize?: number;
  /** Live events a subscriber may buffer while its history replays. Default 10,000. */
  maxBufferedEvents?: number;
  /** Publish subscription events (active subscriptions feature). Default false. */
  subscriptionEvents?: boolean;
  publishLimits?: Partial<PublishLimits>;
  /**
   * Longest stretch of selector matching per turn of the event loop, in milliseconds (default 10):
   * the fan-out of an event to new topics continues on the next turn past it (see `#dispatch`).
   */
  matchSliceMs?: number;
  generateId?: (nowMs: number) => string;
  observer?: HubObserver;
}

export interface PublishOptions {
  /**
   * The id must deliver once, whatever retries and races (a scheduled occurrence): a publication
   * whose id another exclusive one already has is not stored again (see `Store`, "Ids").
   */
  isIdExclusive?: boolean | undefined;
}

export interface SubscribeRequest {
  selectors: Selector[];
  canReceivePrivate: (event: StoredEvent) => boolean;
  sink: SubscriberSink;
  /** The transport label for metrics (`sse`, `long-poll`, `short-poll`). */
  transport: string;
  /** The requested cursor: a public id or `earliest`; `undefined` means live only. */
  lastEventId?: string | undefined;
  /**
   * 0.x only: the token's `sub`, suffixed when already active. Absent (every draft-08 subscription):
   * the hub generates a random id for this connection.
   */
  subscriberId?: string | undefined;
  /** The payload shown for the subscription of one selector (draft-08 §Payloads: per matcher). */
  payloadFor?: ((selector: Selector) => unknown) | undefined;
  /** When the token expires; the subscription ends then (spec: no later than `exp`). */
  expiresAtMs?: number | undefined;
  /** Publish subscription events for this one (long-lived transports only). */
  isTracked?: boolean;
}

/** What the transport needs to answer the request before the events flow. */
export interface OpenSubscription {
  subscriber: Subscriber;
  /**
   * 0.x `Last-Event-ID` response header, "the ID of the event preceding the first one sent": the
   * requested id when known, `earliest` when `earliest` or an unknown id was requested, and the
   * newest id at subscription time when none was (live only).
   */
  legacyLastEventId: string;
  /**
   * draft-08 `Mercure-Last-Event-ID` response header, "the identifier of the event preceding the
   * first event sent": the requested id when a kept event has it (the earliest such one when the id
   * was reused), `earliest` otherwise (unknown, pruned, or `earliest` asked). Also when that event is
   * private to others: the field "MAY contain the identifier of an event the subscriber is not
   * authorized to receive", and the subscriber named it itself.
   */
  draftLastEventId: string;
  /** The id of the newest event at the snapshot, `earliest` when none. */
  headEventId: string;
  /**
   * Where a client resumes when it got no event (a poll answer): the snapshot's newest id when it
   * is not older than the requested cursor, so the next request skips the history just scanned
   * (none of it matched, or the client may not see it); else the requested id, or `earliest`.
   */
  resumeEventId: string;
  /** Sends the history after the cursor, then goes live. Call once, after the headers are out. */
  replay(): Promise<number>;
}

export const EARLIEST = 'earliest';

/** See `HubOptions.matchSliceMs`: well under the 50 ms a heartbeat or health check may wait. */
const DEFAULT_MATCH_SLICE_MS = 10;

/**
 * The hub's domain: validates and stores publications, fans them out to subscribers, replays
 * history. It knows no HTTP: transports hand it sinks, and it talks to storage through ports.
 */
export class Hub {
  readonly store: Store;
  readonly broker: Broker;
  /** The open subscribers of every process sharing it (this one only, by default). */
  readonly directory: SubscriberDirectory;
  readonly clock: Clock;
  readonly timers: Timers;
  #options: HubOptions;
  #limits: PublishLimits;
  #subscribers = new Set<Subscriber>();
  #index = new TopicIndex<Subscriber>();
  /** Events waiting for their fan-out, in cursor order; the head's topics may be half matched. */
  #dispatchQueue: {
    event: StoredEvent;
    resolution: TopicResolution<Subscriber> | undefined;
    arrivedAtMs: number;
  }[] = [];
  /** A drain is running, or scheduled for the next turn: a new event just queues. */
  #isDispatchBusy = false;
  /** When the current turn's matching slice ends (`performance.now()`); unset between turns. */
  #sliceDeadlineMs: number | undefined;
  /** Ids of the open subscribers: a second 0.x connection with the same `sub` gets a suffixed id. */
  #activeIds = new Set<string>();
  /** Subscribers that publish subscription events when they close. */
  #tracked = new WeakSet<Subscriber>();
  /** Token-expiry timers of the open subscribers that have one. */
  #expiryTimers = new Map<Subscriber, unknown>();
  #headEventId = EARLIEST;
  /** The cursor of `#headEventId` (0 when none): compared with a requested cursor. */
  #headCursor: Cursor = 0;
  #unsubscribeBroker: (() => void) | undefined;
  #pruneTimer: unknown;
  #isClosed = false;

  constructor(options: HubOptions) {
    this.#options = options;
    this.store = options.store;
    this.broker = options.broker;
    this.directory = options.directory ?? new LocalSubscriberDirectory();
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.#limits = { ...defaultPublishLimits, ...options.publishLimits };
  }

  /** Connects to the broker, reads the newest id, starts retention. */
  async start(): Promise<void> {
    this.#unsubscribeBroker = this.broker.subscribe((event) => this.#dispatch(event));
    const head = await this.store.headCursor();
    const newest = head > 0 ? await this.#eventAt(head) : undefined;
    if (newest && this.#headEventId === EARLIEST) {
      this.#headEventId = newest.id;
      this.#headCursor = newest.cursor;
    }
    this.#schedulePrune();
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** The id of the newest event dispatched, `earliest` when none (subscriptions API `lastEventID`). */
  get lastEventId(): string {
    return this.#headEventId;
  }

  get subscribers(): ReadonlySet<Subscriber> {
    return this.#subscribers;
  }

  /**
   * Validates, stores durably, then fans out. Resolves with the stored event once the store has
   * it: an acknowledged publication survives a crash.
   *
   * A publisher's id may be reused (Mercure: it "SHOULD be unique", not MUST): the update is stored
   * and delivered like any other. A retry is not: when the publication repeats the newest kept event
   * with its id (same topics, data, type, retry and privacy), the hub resolves with that event and
   * stores and delivers nothing, so a publisher whose acknowledgement was lost may simply send it
   * again. A publication without an id cannot be recognised this way (each attempt gets a new id):
   * publishers that retry should send one. `isIdExclusive` (scheduled occurrences) also resolves with
   * the kept event when another exclusive publication has the id, whatever its content.
   */
  publish(input: PublishInput, options: PublishOptions = {}): Promise<StoredEvent> {
    // Not `async`: returning #append's promise from an async function costs extra microtask turns
    // per publish. A refused publication still rejects, never throws.
    const nowMs = this.clock.nowMs();
    const generate = this.#options.generateId ?? generateEventId;
    let event: NewEvent;
    try {
      event = toNewEvent(input, this.#limits, () => generate(nowMs));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#append(event, nowMs, options);
  }

  /**
   * Throws the `PublishError` that `publish` would for this input, storing nothing: the HTTP layer
   * checks a publication before authorizing it, since a malformed one is 400 "regardless of the
   * presented access token".
   */
  checkPublishInput(input: PublishInput): void {
    validatePublishInput(input, this.#limits);
  }

  async #append(event: NewEvent, nowMs: number, options: AppendOptions = {}): Promise<StoredEvent> {
    if (this.#isClosed) throw new Error('hub is closed');
    let stored: StoredEvent;
    const startMs = performance.now();
    try {
      stored = await this.store.append(event, nowMs, options);
    } catch (error) {
      // Already kept: a retry whose acknowledgement was lost, or an occurrence delivered before. It
      // went out when it was stored (or, if that process died first, by replay to the subscribers
      // it had, who reconnect from their cursor): the kept event is the answer, and nothing is sent.
      if (isDuplicateIdError(error)) return error.existing;
      throw error;
    } finally {
      this.#options.observer?.appendTimed?.(secondsSince(startMs));
    }
    this.#options.observer?.published?.(stored);
    await this.broker.publish(stored);
    return stored;
  }

  /**
   * Events reach subscribers in cursor order, one event at a time. Matching a new topic against
   * every distinct template or URL pattern is bounded per selector but not in sum (10,000
   * subscribers may each hold 32 different ones), so it runs in slices of `matchSliceMs`: past it,
   * the rest waits for the next turn of the event loop (`setImmediate`), and events dispatched
   * meanwhile queue behind it. Heartbeats, health checks and other requests run in between.
   */
  #dispatch(event: StoredEvent): void {
    this.#headEventId = event.id;
    this.#headCursor = event.cursor;
    this.#dispatchQueue.push({ event, resolution: undefined, arrivedAtMs: performance.now() });
    if (!this.#isDispatchBusy) this.#drainDispatchQueue();
  }

  /** Fans out the queued events in order, until one's matching overruns the turn's slice. */
  #drainDispatchQueue = (): void => {
    this.#isDispatchBusy = true;
    let isContinued = false;
    try {
      if (this.#isClosed) {
        this.#dispatchQueue.length = 0;
        return;
      }
      const deadlineMs = this.#matchDeadlineMs();
      let next = this.#dispatchQueue[0];
      while (next !== undefined) {
        // Started when the event reaches the head, so it sees the subscribers indexed by then.
        next.resolution ??= this.#index.resolve(next.event.topics);
        if (!this.#index.advance(next.resolution, deadlineMs)) break;
        try {
          this.#fanOut(next.event, next.resolution, next.arrivedAtMs);
        } finally {
          this.#dispatchQueue.shift();
        }
        next = this.#dispatchQueue[0];
      }
    } finally {
      // Also after a throw (it reaches the broker, which reports it): the events behind go on.
      if (this.#dispatchQueue.length > 0 && !this.#isClosed) {
        isContinued = true;
        setImmediate(this.#resumeDispatch);
      }
      this.#isDispatchBusy = isContinued;
    }
  };

  /**
   * When this turn's matching slice ends (`performance.now()`): one budget per turn of the event
   * loop, shared by the fan-outs and the replays that run in it, however many.
   */
  #matchDeadlineMs(): number {
    if (this.#sliceDeadlineMs === undefined) {
      this.#sliceDeadlineMs = performance.now() + (this.#options.matchSliceMs ?? DEFAULT_MATCH_SLICE_MS);
      setImmediate(() => {
        this.#sliceDeadlineMs = undefined;
      });
    }
    return this.#sliceDeadlineMs;
  }

  #resumeDispatch = (): void => {
    try {
      this.#drainDispatchQueue();
    } catch (error) {
      // Not under the broker's call any more: reported as the local broker reports a listener's.
      process.emitWarning(error instanceof Error ? error : String(error), 'HeraldDispatchWarning');
    }
  };

  #fanOut(event: StoredEvent, resolution: TopicResolution<Subscriber>, arrivedAtMs: number): void {
    const update = new Update(event);
    const delivered = new Map<string, number>();
    this.#index.collect(
      event.topics,
      (subscriber) => {
        const before = subscriber.lastCursor;
        subscriber.offer(update);
        if (subscriber.lastCursor !== before) {
          const transport = subscriber.transport;
          delivered.set(transport, (delivered.get(transport) ?? 0) + 1);
        }
      },
      resolution,
    );
    const observer = this.#options.observer;
    if (observer === undefined) return;
    for (const [transport, count] of delivered) {
      observer.delivered?.(transport, count);
      observer.sent?.(transport, update, count);
    }
    observer.fanOutTimed?.(secondsSince(arrivedAtMs));
  }

  /**
   * Registers the subscriber FIRST (live events buffer), then takes the snapshot cursor and resolves
   * the requested one. `replay()` then reads history up to the snapshot and flushes the buffer:
   * no event published meanwhile is missed or sent twice.
   */
  async openSubscription(request: SubscribeRequest): Promise<OpenSubscription> {
    if (this.#isClosed) throw new Error('hub is closed');
    const subscriberId = this.#uniqueSubscriberId(request.subscriberId);
    const subscriber = new Subscriber({
      id: subscriberId,
      selectors: request.selectors,
      transport: request.transport,
      canReceivePrivate: request.canReceivePrivate,
      sink: request.sink,
      maxBufferedEvents: this.#options.maxBufferedEvents ?? 10_000,
      payloadFor: request.payloadFor,
      subscribedAtMs: this.clock.nowMs(),
      // One function for every subscriber (no closure per connection): what it needs is keyed by subscriber.
      onClose: this.#onSubscriberClosed,
    });
    this.#subscribers.add(subscriber);
    this.#activeIds.add(subscriberId);
    this.#index.add(subscriber, request.selectors);
    // Synchronous and cheap whatever the directory: a shared one writes behind.
    this.directory.add(subscriber);
    if (request.isTracked) this.#tracked.add(subscriber);
    if (request.expiresAtMs !== undefined) this.#armExpiry(subscriber, request.expiresAtMs);
    const headEventId = this.#headEventId;
    const headCursor = this.#headCursor;
    let snapshot: Cursor;
    let from: { cursor: Cursor | undefined; knownId: string };
    try {
      snapshot = await this.store.headCursor();
      from = await this.#resolveCursor(request.lastEventId);
      if (request.isTracked) await this.#publishSubscriptionEvents(subscriber, true);
    } catch (error) {
      // The subscription never opened (the store is down: the caller answers 503). Unregister it,
      // or it would stay indexed, buffering live events for no one, and be announced as closed.
      this.#tracked.delete(subscriber);
      subscriber.close('error');
      throw error;
    }
    let replayed = false;
    return {
      subscriber,
      legacyLastEventId: request.lastEventId === undefined ? headEventId : from.knownId,
      draftLastEventId: from.knownId,
      headEventId,
      resumeEventId:
        headCursor > 0 && headCursor >= (from.cursor ?? 0) ? headEventId : (request.lastEventId ?? EARLIEST),
      replay: async () => {
        if (replayed) return 0;
        replayed = true;
        if (from.cursor === undefined) {
          subscriber.goLive(0, this.#sentOne(request.transport));
          return 0;
        }
        const startMs = performance.now();
        const count = await this.#replay(subscriber, request.sink, request.transport, from.cursor, snapshot);
        this.#options.observer?.replayTimed?.(request.transport, secondsSince(startMs));
        if (count > 0) this.#options.observer?.replayed?.(request.transport, count);
        return count;
      },
    };
  }

  #onSubscriberClosed = (closed: Subscriber, reason: SubscriberCloseReason): void => {
    const expiryTimer = this.#expiryTimers.get(closed);
    if (expiryTimer !== undefined) {
      this.timers.clearTimeout(expiryTimer);
      this.#expiryTimers.delete(closed);
    }
    this.#subscribers.delete(closed);
    this.#activeIds.delete(closed.id);
    this.#index.remove(closed);
    this.directory.remove(closed);
    this.#options.observer?.subscriberClosed?.(closed.transport, reason);
    if (this.#tracked.has(closed)) void this.#publishSubscriptionEvents(closed, false);
  };

  #armExpiry(subscriber: Subscriber, expiresAtMs: number): void {
    const remainingMs = expiresAtMs - this.clock.nowMs();
    if (remainingMs <= 0) {
      queueMicrotask(() => subscriber.close('token-expired'));
      return;
    }
    // Timers cap at 2^31-1 ms: re-arm rather than fire early.
    const handle = this.timers.setTimeout(
      () => {
        this.#expiryTimers.delete(subscriber);
        if (subscriber.isClosed) return;
        if (this.clock.nowMs() >= expiresAtMs) subscriber.close('token-expired');
        else this.#armExpiry(subscriber, expiresAtMs);
      },
      Math.min(remainingMs, MAX_TIMER_DELAY_MS),
    );
    this.#expiryTimers.set(subscriber, handle);
  }

  /**
   * The cursor a replay starts after, and the id it names (`earliest` when none). A reused id names
   * its EARLIEST kept event (`Store.cursorOf`): "a Last-Event-ID bearing that value MUST resolve to
   * the earliest such update", and the later ones, reusing it or not, are then replayed.
   */
  async #resolveCursor(
    lastEventId: string | undefined,
  ): Promise<{ cursor: Cursor | undefined; knownId: string }> {
    const none = { cursor: undefined, knownId: EARLIEST };
    if (lastEventId === undefined) return none;
    if (lastEventId === EARLIEST) return { ...none, cursor: 0 };
    // One indexed lookup: the bound on the cost of an unknown id.
    const cursor = await this.store.cursorOf(lastEventId);
    if (cursor === undefined) return none;
    return { cursor, knownId: lastEventId };
  }

  /** The event at exactly this cursor: cursors are strictly increasing, so (c-1, c] holds at most it. */
  async #eventAt(cursor: Cursor): Promise<StoredEvent | undefined> {
    const [event] = await this.store.readRange(cursor - 1, cursor, 1);
    return event?.cursor === cursor ? event : undefined;
  }

  async #replay(
    subscriber: Subscriber,
    sink: SubscriberSink,
    transport: string,
    afterCursor: Cursor,
    snapshot: Cursor,
  ): Promise<number> {
    const pageSize = this.#options.replayPageSize ?? 500;
    let after = afterCursor;
    let count = 0;
    const sentOne = this.#sentOne(transport);
    while (after < snapshot && !subscriber.isClosed) {
      const page = await this.store.readRange(after, snapshot, pageSize);
      const last = page.at(-1);
      if (last === undefined) break;
      for (const event of page) {
        if (subscriber.isClosed) break;
        // Matching history is bounded per event (selectors × topics), not per page: past the
        // turn's slice, the rest waits for the next turn, as the live fan-out does.
        if (performance.now() > this.#matchDeadlineMs())
          await new Promise((resolve) => setImmediate(resolve));
        if (subscriber.isClosed) break;
        if (!subscriber.accepts(event)) continue;
        const update = new Update(event);
        if (subscriber.sendReplayed(update)) sentOne?.(update);
        count++;
        if (sink.isBackedUp?.()) await sink.drain?.();
      }
      after = last.cursor;
      // Lets the transport write this page before the next is queued: its queue is bounded.
      await sink.drain?.();
    }
    subscriber.goLive(snapshot, sentOne);
    return count;
  }

  /** Reports one event written to one subscriber (replay and post-replay flush), when observed. */
  #sentOne(transport: string): ((update: Update) => void) | undefined {
    const observer = this.#options.observer;
    if (observer?.sent === undefined) return undefined;
    return (update) => observer.sent?.(transport, update, 1);
  }

  /**
   * draft-08 §Subscription Events: "It is RECOMMENDED that the hub generate a random identifier
   * (for example, a UUID) for each connection": a random UUID, new for every connection, so it
   * neither discloses `sub` nor collides across issuers or tabs. 0.x subscribers keep their `sub`;
   * a second connection presenting it would share its subscription ids, and the first to close
   * would publish `active: false` for an id still active, so it gets `sub#2`, and so on.
   */
  #uniqueSubscriberId(requested: string | undefined): string {
    if (requested === undefined) return flattened(`urn:uuid:${randomUUID()}`);
    if (!this.#activeIds.has(requested)) return requested;
    for (let n = 2; ; n++) {
      const candidate = `${requested}#${n}`;
      if (!this.#activeIds.has(candidate)) return candidate;
    }
  }

  async #publishSubscriptionEvents(subscriber: Subscriber, isActive: boolean): Promise<void> {
    if (!this.#options.subscriptionEvents || this.#isClosed) return;
    const nowMs = this.clock.nowMs();
    const generate = this.#options.generateId ?? generateEventId;
    for (const selector of subscriber.selectors) {
      const topic = subscriptionTopic(selector, subscriber.id);
      const doc = subscriptionDocument(
        selector,
        {
          subscriberId: subscriber.id,
          isActive,
          payload: subscriber.payloadOf(selector),
          subscribedAtMs: subscriber.subscribedAtMs,
        },
        'event',
      );
      // draft-08 events carry the reserved SSE type; 0.x ones stay untyped (`message`), as in 0.x.
      const type = isLegacySubscription(selector) ? undefined : SUBSCRIPTION_EVENT_TYPE;
      try {
        await this.#append(
          { id: generate(nowMs), topics: [topic], data: JSON.stringify(doc), type, isPrivate: true },
          nowMs,
        );
      } catch {
        // A subscription event is best effort: a failure here must not fail the subscription.
      }
    }
  }

  #schedulePrune(): void {
    const intervalMs = this.#options.pruneIntervalMs ?? 60_000;
    const retention = this.#options.retention;
    if (
      intervalMs <= 0 ||
      !retention ||
      (retention.maxEvents === undefined && retention.maxAgeMs === undefined)
    ) {
      return;
    }
    this.#pruneTimer = this.timers.setTimeout(() => {
      void this.prune().finally(() => {
        if (!this.#isClosed) this.#schedulePrune();
      });
    }, intervalMs);
  }

  /** Applies the retention policy now; returns how many events were dropped. */
  async prune(): Promise<number> {
    const retention = this.#options.retention;
    if (!retention || this.#isClosed) return 0;
    return this.store.prune(retention, this.clock.nowMs());
  }

  /**
   * Disconnects every subscriber (reason `shutdown`), stops timers, closes the directory (a shared
   * one withdraws this process's subscribers), the broker and the store.
   */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    if (this.#pruneTimer !== undefined) this.timers.clearTimeout(this.#pruneTimer);
    this.#unsubscribeBroker?.();
    for (const subscriber of [...this.#subscribers]) subscriber.close('shutdown');
    await this.directory.close();
    await this.broker.close();
    await this.store.close();
  }
}

/**
 * A generated id is built by concatenation (`uuidv7` even builds its hex with `+=`: a rope of ~30
 * string nodes, ~0.8 KB), and a subscriber keeps its id for as long as it is connected (heap
 * snapshot, bench/profile/idle-memory.ts). Reading one character makes V8 flatten the rope in
 * place; its nodes become garbage.
 */
function flattened(text: string): string {
  text.charCodeAt(0);
  return text;
}

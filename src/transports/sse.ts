import { MAX_TIMER_DELAY_MS, type Timers } from '../clock/index.js';
import type { Subscriber, SubscriberCloseReason, SubscriberSink, Update } from '../hub/index.js';
import type { SseStream, StreamCloseReason } from '../server/index.js';
import { encodeRetry } from '../sse/index.js';
import { cursorHeaders } from './cursor-header.js';
import type { SubscriptionContext } from './subscription-context.js';

export interface SseTransportOptions {
  heartbeatMs: number;
  maxQueueBytes: number;
  /** The `retry:` hint sent when the hub shuts down: come back after this many milliseconds. */
  shutdownRetryMs: number;
  /** Coalescing window for writes (see `HttpOptions.flushDelayMs`); 0 = end of the turn. */
  flushDelayMs?: number;
  /**
   * Longest life of a stream (see `HttpOptions.maxConnectionLifetimeMs`); 0 or absent: unlimited.
   * Waited on the hub's `Timers`, plus a random jitter of up to 10%.
   */
  maxConnectionLifetimeMs?: number;
  /** See `HttpOptions.takeOverConnections`. */
  takeOverConnection?: boolean;
  /** The jitter's source, in [0, 1); `Math.random` by default (tests pin it). */
  random?: () => number;
}

/** The lifetime's jitter: up to this fraction of it, so that streams opened together end apart. */
const LIFETIME_JITTER = 0.1;

/** The delay before a stream opened now reaches its lifetime; undefined when there is none. */
export function connectionLifetimeDelayMs(options: SseTransportOptions): number | undefined {
  const lifetimeMs = options.maxConnectionLifetimeMs ?? 0;
  if (!(lifetimeMs > 0)) return undefined;
  const jitterMs = lifetimeMs * LIFETIME_JITTER * (options.random ?? Math.random)();
  // A timer honours at most MAX_TIMER_DELAY_MS (~24.8 days): a longer lifetime ends then.
  return Math.min(MAX_TIMER_DELAY_MS, Math.round(lifetimeMs + jitterMs));
}

/**
 * The hub's side of one event stream. A class rather than an object of closures: its methods live
 * on the prototype, so an idle connection holds one small object here, not four closures and their
 * context (heap snapshot, bench/profile/idle-memory.ts). It keeps only what it needs once the
 * subscription is open: the stream, the subscriber and the context's `onEnd`.
 */
class SseSink implements SubscriberSink {
  stream: SseStream | undefined;
  subscriber: Subscriber | undefined;
  #context: Pick<SubscriptionContext, 'onEnd'>;
  #options: SseTransportOptions;
  #pendingClose: SubscriberCloseReason | undefined;
  #hasEnded = false;
  /** The lifetime timer (`maxConnectionLifetimeMs`), and the timers it was armed on. */
  #lifetimeTimer: unknown;
  #timers: Timers | undefined;

  constructor(context: Pick<SubscriptionContext, 'onEnd'>, options: SseTransportOptions) {
    this.#context = context;
    this.#options = options;
  }

  get pendingClose(): SubscriberCloseReason | undefined {
    return this.#pendingClose;
  }

  deliver(update: Update): void {
    // Sent bytes are counted by the hub's observer, once per event for all streams.
    this.stream?.sendBytes(update.sseBytes());
  }

  // A replay waits for the socket to take what is queued before queueing more: a long history
  // goes out at the client's pace, in memory bounded by half the queue, and never overflows a
  // client that reads (only one that stops reading while live events pile up).
  drain(): Promise<void> {
    return this.stream?.waitForDrain() ?? Promise.resolve();
  }

  isBackedUp(): boolean {
    return (this.stream?.queuedBytes ?? 0) >= this.#options.maxQueueBytes / 2;
  }

  close(reason: SubscriberCloseReason): void {
    const stream = this.stream;
    if (!stream) {
      this.#pendingClose = reason;
      return;
    }
    if (stream.isClosed) return;
    // Tell the client when to come back: the hub (or its replacement) will be up shortly.
    if (reason === 'shutdown') stream.sendBytes(encodeRetry(this.#options.shutdownRetryMs));
    stream.close();
  }

  /** Ends the stream once it has lived `delayMs` (one timer, armed once: no per-write cost). */
  armLifetime(timers: Timers, delayMs: number): void {
    this.#timers = timers;
    this.#lifetimeTimer = timers.setTimeout(() => this.#expire(), delayMs);
  }

  /** As at shutdown: a `retry:` hint, then a clean end; the client resumes from its Last-Event-ID. */
  #expire(): void {
    this.#lifetimeTimer = undefined;
    const stream = this.stream;
    if (stream === undefined || stream.isClosed) return;
    stream.sendBytes(encodeRetry(this.#options.shutdownRetryMs));
    stream.close();
  }

  /** The stream ended (client gone, overflow, or closed by `close` above). */
  streamClosed(reason: StreamCloseReason): void {
    if (this.#lifetimeTimer !== undefined) {
      this.#timers?.clearTimeout(this.#lifetimeTimer);
      this.#lifetimeTimer = undefined;
    }
    this.subscriber?.close(reason === 'queue-overflow' ? 'overflow' : 'client');
    if (this.#hasEnded) return;
    this.#hasEnded = true;
    this.#context.onEnd();
  }
}

/**
 * Serves a subscription as an event stream. The subscriber is registered before the response
 * headers are written (they carry the cursor answer, see `cursorHeaders`), history replays once
 * they are out.
 */
export async function serveSse(context: SubscriptionContext, options: SseTransportOptions): Promise<void> {
  const sink = new SseSink(context, options);
  const open = await context.hub.openSubscription({
    ...context.request,
    sink,
    transport: 'sse',
    isTracked: true,
  });
  sink.subscriber = open.subscriber;
  const headers: Record<string, string> = {
    ...context.headers,
    'x-accel-buffering': 'no',
    ...cursorHeaders(context, open),
  };
  const stream = context.exchange.startEventStream({
    headers,
    heartbeatMs: options.heartbeatMs,
    flushDelayMs: options.flushDelayMs ?? 0,
    maxQueueBytes: options.maxQueueBytes,
    lastEventIdParam: false,
    takeOverConnection: options.takeOverConnection === true,
    // The one closure per stream: the stream's options take a function.
    onClose: (reason) => sink.streamClosed(reason),
  });
  sink.stream = stream;
  const pendingClose = sink.pendingClose;
  if (pendingClose !== undefined) {
    open.subscriber.close(pendingClose);
    if (!stream.isClosed) stream.close();
    return;
  }
  const lifetimeDelayMs = connectionLifetimeDelayMs(options);
  if (lifetimeDelayMs !== undefined && !stream.isClosed)
    sink.armLifetime(context.hub.timers, lifetimeDelayMs);
  await open.replay();
}

import { systemTimers } from '../clock/index.js';
import { encodeComment, encodeEvent, encodeRetry, type SseEvent } from '../sse/index.js';
import { type Flushable, scheduleFlush } from './flush-batcher.js';
import { type HeartbeatGroup, type HeartbeatMember, joinHeartbeat } from './heartbeat-registry.js';
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_QUEUE_BYTES,
  type SseStreamOptions,
  type StreamCloseReason,
} from './options.js';
import { SseStreamClosedError } from './stream-closed-error.js';

/** One open event stream to one client, the same whichever host serves it. */
export interface SseStream {
  /** Encodes and queues one event. Throws `SseError` on an invalid field; nothing is queued then. */
  send(event: SseEvent): void;
  /**
   * Queues pre-encoded bytes (e.g. one `encodeEvent` result shared by every subscriber). The
   * reference is kept, not copied: do not mutate the bytes afterwards.
   */
  sendBytes(bytes: Uint8Array): void;
  /** Queues a comment (ignored by clients; useful as a keep-alive or for debugging). */
  comment(text: string): void;
  /** Writes what is queued, then ends the response. Idempotent. */
  close(): void;
  /** Resolves once, with why the stream ended. */
  readonly closed: Promise<StreamCloseReason>;
  /** Aborted when the stream ends; `signal.reason` is an `SseStreamClosedError`. */
  readonly signal: AbortSignal;
  /** From `Last-Event-ID`, or the query parameter on a first connection; see `lastEventIdParam`. */
  readonly lastEventId: string | undefined;
  readonly isClosed: boolean;
  /** Bytes accepted by `send*` and not yet handed to the transport (what counts against `maxQueueBytes`). */
  readonly queuedBytes: number;
  /**
   * Resolves once everything queued has been handed to a transport that accepts more (the socket
   * drained), or when the stream ends. A producer with a lot to send (a long replay) awaits it
   * between batches, so it sends at the client's pace in bounded memory instead of overflowing.
   */
  waitForDrain(): Promise<void>;
}

const HEARTBEAT_BYTES = encodeComment('heartbeat');
/** The first bytes when there is no retry hint: a client sees `open` without waiting for an event. */
const OPEN_BYTES = encodeComment('');

/** The bytes written at once on open. Validates `retryMs` (throws `SseError`) before anything is sent. */
export function initialBytes(options: SseStreamOptions): Uint8Array {
  return options.retryMs === undefined ? OPEN_BYTES : encodeRetry(options.retryMs);
}

/** Joins queued chunks for one write. Plain Uint8Array (no Buffer) so the Fetch host stays portable. */
function concatBytes(chunks: readonly Uint8Array[], totalBytes: number): Uint8Array {
  const out = new Uint8Array(totalBytes);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * The host-independent part of a stream: bounded queue, batching, heartbeat, close bookkeeping.
 * A host subclass supplies four transport operations and calls the `handle*` methods.
 *
 * Memory per idle stream is this object, an empty queue array and the host's objects: the
 * `closed` promise and the `signal`'s AbortController are only created if someone asks for them,
 * and no closure is allocated per stream (handlers are shared, `this` comes from the emitter).
 */
export abstract class BaseSseStream implements SseStream, Flushable, HeartbeatMember {
  readonly lastEventId: string | undefined;
  heartbeatIndex = -1;
  lastActivityTick = 0;

  readonly #options: SseStreamOptions;
  /** References to the caller's bytes, not copies: fan-out shares one buffer across streams. */
  readonly #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #isFlushScheduled = false;
  /** The transport refused more (write() returned false) and we wait for it to drain. */
  #isBlocked = false;
  #closeReason: StreamCloseReason | undefined;
  #heartbeatGroup: HeartbeatGroup | undefined;
  #abortController: AbortController | undefined;
  #closedPromise: Promise<StreamCloseReason> | undefined;
  #resolveClosed: ((reason: StreamCloseReason) => void) | undefined;
  /** Pending `waitForDrain` calls; only producers that pace themselves ever create it. */
  #drainWaiters: (() => void)[] | undefined;

  constructor(options: SseStreamOptions, lastEventId: string | undefined) {
    this.#options = options;
    this.lastEventId = lastEventId;
  }

  /** Writes `bytes` to the transport; returns false when the transport's buffer is full. */
  protected abstract writeChunk(bytes: Uint8Array): boolean;
  /** Called after `writeChunk` returned false; the host calls `handleWritable` once it drains. */
  protected abstract awaitWritable(): void;
  /** Ends the response normally. */
  protected abstract endTransport(): void;
  /**
   * Tears the response down after a failure (the client sees an error and reconnects). For
   * `client-closed` there is nobody left to tell: the host only releases what it holds.
   */
  protected abstract destroyTransport(error: SseStreamClosedError): void;
  /** Drops references the host holds beyond the stream's lifetime (e.g. a request signal listener). */
  protected abstract detachTransport(): void;

  get isClosed(): boolean {
    return this.#closeReason !== undefined;
  }

  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  waitForDrain(): Promise<void> {
    if (this.#isDrained()) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drainWaiters ??= [];
      this.#drainWaiters.push(resolve);
    });
  }

  #isDrained(): boolean {
    return this.#closeReason !== undefined || (this.#queue.length === 0 && !this.#isBlocked);
  }

  #settleDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    if (waiters === undefined || !this.#isDrained()) return;
    this.#drainWaiters = undefined;
    for (const resolve of waiters) resolve();
  }

  get closed(): Promise<StreamCloseReason> {
    if (this.#closedPromise === undefined) {
      const reason = this.#closeReason;
      this.#closedPromise =
        reason !== undefined
          ? Promise.resolve(reason)
          : new Promise<StreamCloseReason>((resolve) => {
              this.#resolveClosed = resolve;
            });
    }
    return this.#closedPromise;
  }

  get signal(): AbortSignal {
    if (this.#abortController === undefined) {
      this.#abortController = new AbortController();
      const reason = this.#closeReason;
      if (reason !== undefined) this.#abortController.abort(new SseStreamClosedError(reason));
    }
    return this.#abortController.signal;
  }

  send(event: SseEvent): void {
    this.sendBytes(encodeEvent(event));
  }

  comment(text: string): void {
    this.sendBytes(encodeComment(text));
  }

  sendBytes(bytes: Uint8Array): void {
    if (this.#closeReason !== undefined) return;
    const queuedBytes = this.#queuedBytes + bytes.byteLength;
    if (queuedBytes > (this.#options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES)) {
      this.#fail('queue-overflow', undefined);
      return;
    }
    this.#queue.push(bytes);
    this.#queuedBytes = queuedBytes;
    if (!this.#isFlushScheduled && !this.#isBlocked) {
      this.#isFlushScheduled = true;
      scheduleFlush(this, this.#options.flushDelayMs ?? 0);
    }
  }

  close(): void {
    if (this.#closeReason !== undefined) return;
    // What is queued was accepted by send(): write it even if the transport is full. It is at
    // most maxQueueBytes, and the transport buffers it until the client reads or goes away.
    if (this.#queue.length > 0) this.#write(this.#takeBatch());
    if (this.#closeReason !== undefined) return; // that write failed
    this.#finish('server-closed', undefined);
    this.endTransport();
  }

  /** Called by the shared batcher: one write for everything queued in this turn. */
  flush(): void {
    this.#isFlushScheduled = false;
    if (this.#closeReason !== undefined || this.#isBlocked || this.#queue.length === 0) return;
    this.#write(this.#takeBatch());
    this.#settleDrainWaiters();
  }

  /** Called by the heartbeat registry when this stream has been idle for an interval. */
  sendHeartbeat(): void {
    // Bytes already waiting will reach the client and keep the connection alive by themselves.
    if (this.#queue.length > 0 || this.#isBlocked) return;
    this.sendBytes(HEARTBEAT_BYTES);
  }

  /** Host: write the first bytes now (so headers go out at once) and start heartbeats. */
  protected open(firstBytes: Uint8Array): void {
    const heartbeatMs = this.#options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    if (heartbeatMs > 0) {
      this.#heartbeatGroup = joinHeartbeat(this.#options.timers ?? systemTimers, heartbeatMs, this);
    }
    this.#write(firstBytes);
  }

  /** Host: the transport drained after a refused write. */
  protected handleWritable(): void {
    if (!this.#isBlocked) return;
    this.#isBlocked = false;
    if (this.#closeReason === undefined && this.#queue.length > 0) this.#write(this.#takeBatch());
    this.#settleDrainWaiters();
  }

  /** Host: the client went away (socket closed, stream reset, body cancelled). */
  protected handleTransportClosed(): void {
    this.#fail('client-closed', undefined);
  }

  /** Host: the transport reported an error. */
  protected handleTransportError(error: unknown): void {
    this.#fail('write-error', error);
  }

  #takeBatch(): Uint8Array {
    const queue = this.#queue;
    // The common fan-out case is one event per stream per turn: pass the shared bytes through.
    const batch = queue.length === 1 ? queue[0]! : concatBytes(queue, this.#queuedBytes);
    queue.length = 0;
    this.#queuedBytes = 0;
    return batch;
  }

  #write(bytes: Uint8Array): void {
    if (this.#heartbeatGroup !== undefined) this.lastActivityTick = this.#heartbeatGroup.tick;
    let isWritable: boolean;
    try {
      isWritable = this.writeChunk(bytes);
    } catch (error) {
      this.#fail('write-error', error);
      return;
    }
    if (!isWritable && this.#closeReason === undefined && !this.#isBlocked) {
      this.#isBlocked = true;
      this.awaitWritable();
    }
  }

  #fail(reason: StreamCloseReason, error: unknown): void {
    if (this.#closeReason !== undefined) return;
    const queuedBytes = this.#queuedBytes;
    this.#finish(reason, error);
    if (reason !== 'client-closed') {
      const logger = this.#options.logger;
      logger?.warn({ reason, queuedBytes, err: error }, `SSE stream closed: ${reason}`);
    }
    this.destroyTransport(new SseStreamClosedError(reason, { cause: error }));
  }

  #finish(reason: StreamCloseReason, error: unknown): void {
    this.#closeReason = reason;
    this.#queue.length = 0;
    this.#queuedBytes = 0;
    this.#heartbeatGroup?.remove(this);
    this.#heartbeatGroup = undefined;
    this.detachTransport();
    this.#abortController?.abort(new SseStreamClosedError(reason, { cause: error }));
    this.#resolveClosed?.(reason);
    this.#resolveClosed = undefined;
    this.#settleDrainWaiters();
    const onClose = this.#options.onClose;
    if (onClose === undefined) return;
    try {
      onClose(reason, error);
    } catch (callbackError) {
      // A throwing callback must not break the caller's loop (e.g. a fan-out that overflowed this
      // stream) nor leave the stream half closed: report it outside this call stack.
      queueMicrotask(() => {
        throw callbackError;
      });
    }
  }
}

import { systemTimers } from '../clock/index.js';
import { encodeComment, encodeEvent, encodeRetry, type SseEvent } from '../sse/index.js';
import { type Flushable, scheduleFlush } from './flush-batcher.js';
import { type HeartbeatGroup, type HeartbeatMember, joinHeartbeat } from './heartbeat-registry.js';
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_QUEUE_BYTES,
  type SseLogger,
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
function concatBytes(first: Uint8Array, chunks: readonly Uint8Array[], totalBytes: number): Uint8Array {
  const out = new Uint8Array(totalBytes);
  out.set(first, 0);
  let offset = first.byteLength;
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
 * Memory per idle stream is this object and the host's objects: the `closed` promise and the
 * `signal`'s AbortController are only created if someone asks for them, the queue holds one chunk
 * in a field (an array only while two or more wait), the options object is not kept (its fields
 * are copied, so the caller's object and its `headers` can be collected once the head is out), and
 * no closure is allocated per stream (handlers are shared, `this` comes from the emitter).
 */
export abstract class BaseSseStream implements SseStream, Flushable, HeartbeatMember {
  readonly lastEventId: string | undefined;
  heartbeatIndex = -1;
  lastActivityTick = 0;

  /** Needed by `open` only (heartbeat interval and timers), then dropped. */
  #options: SseStreamOptions | undefined;
  readonly #maxQueueBytes: number;
  readonly #flushDelayMs: number;
  readonly #onClose: SseStreamOptions['onClose'];
  readonly #logger: SseLogger | undefined;
  /**
   * The queue: references to the caller's bytes, not copies (fan-out shares one buffer across
   * streams). The first chunk waits in `#queueHead`; an array is made only when a second one
   * arrives before the flush, and dropped with the batch, so an idle stream (or one that gets one
   * event or heartbeat per turn) holds no array at all.
   */
  #queueHead: Uint8Array | undefined;
  #queueRest: Uint8Array[] | undefined;
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
    this.#maxQueueBytes = options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES;
    this.#flushDelayMs = options.flushDelayMs ?? 0;
    this.#onClose = options.onClose;
    this.#logger = options.logger;
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
    return this.#closeReason !== undefined || (this.#queueHead === undefined && !this.#isBlocked);
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
    if (queuedBytes > this.#maxQueueBytes) {
      this.#fail('queue-overflow', undefined);
      return;
    }
    if (this.#queueHead === undefined) this.#queueHead = bytes;
    else if (this.#queueRest === undefined) this.#queueRest = [bytes];
    else this.#queueRest.push(bytes);
    this.#queuedBytes = queuedBytes;
    if (!this.#isFlushScheduled && !this.#isBlocked) {
      this.#isFlushScheduled = true;
      scheduleFlush(this, this.#flushDelayMs);
    }
  }

  close(): void {
    if (this.#closeReason !== undefined) return;
    // What is queued was accepted by send(): write it even if the transport is full. It is at
    // most maxQueueBytes, and the transport buffers it until the client reads or goes away.
    if (this.#queueHead !== undefined) this.#write(this.#takeBatch());
    if (this.#closeReason !== undefined) return; // that write failed
    this.#finish('server-closed', undefined);
    this.endTransport();
  }

  /** Called by the shared batcher: one write for everything queued in this turn. */
  flush(): void {
    this.#isFlushScheduled = false;
    if (this.#closeReason !== undefined || this.#isBlocked || this.#queueHead === undefined) return;
    this.#write(this.#takeBatch());
    this.#settleDrainWaiters();
  }

  /** Called by the heartbeat registry when this stream has been idle for an interval. */
  sendHeartbeat(): void {
    // Bytes already waiting will reach the client and keep the connection alive by themselves.
    if (this.#queueHead !== undefined || this.#isBlocked) return;
    this.sendBytes(HEARTBEAT_BYTES);
  }

  /** Host: write the first bytes now (so headers go out at once) and start heartbeats. */
  protected open(firstBytes: Uint8Array): void {
    const options = this.#options;
    this.#options = undefined;
    // Undefined once the stream closed (`#finish`): a closed stream joins no heartbeat group.
    const heartbeatMs = options === undefined ? 0 : (options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    if (heartbeatMs > 0) {
      this.#heartbeatGroup = joinHeartbeat(options?.timers ?? systemTimers, heartbeatMs, this);
    }
    this.#write(firstBytes);
  }

  /** Host: the transport drained after a refused write. */
  protected handleWritable(): void {
    if (!this.#isBlocked) return;
    this.#isBlocked = false;
    if (this.#closeReason === undefined && this.#queueHead !== undefined) this.#write(this.#takeBatch());
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

  /** Only when the queue is not empty. */
  #takeBatch(): Uint8Array {
    const head = this.#queueHead!;
    const rest = this.#queueRest;
    // The common fan-out case is one event per stream per turn: pass the shared bytes through.
    const batch = rest === undefined ? head : concatBytes(head, rest, this.#queuedBytes);
    this.#queueHead = undefined;
    this.#queueRest = undefined;
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
      const logger = this.#logger;
      logger?.warn({ reason, queuedBytes, err: error }, `SSE stream closed: ${reason}`);
    }
    this.destroyTransport(new SseStreamClosedError(reason, { cause: error }));
  }

  #finish(reason: StreamCloseReason, error: unknown): void {
    this.#closeReason = reason;
    this.#options = undefined;
    this.#queueHead = undefined;
    this.#queueRest = undefined;
    this.#queuedBytes = 0;
    this.#heartbeatGroup?.remove(this);
    this.#heartbeatGroup = undefined;
    this.detachTransport();
    this.#abortController?.abort(new SseStreamClosedError(reason, { cause: error }));
    this.#resolveClosed?.(reason);
    this.#resolveClosed = undefined;
    this.#settleDrainWaiters();
    const onClose = this.#onClose;
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

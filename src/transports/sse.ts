import type { CloseReason, SubscriberSink } from '../hub/subscriber.js';
import type { SseStream } from '../server/index.js';
import { encodeRetry } from '../sse/index.js';
import type { SubscriptionContext } from './subscription-context.js';

export interface SseTransportOptions {
  heartbeatMs: number;
  maxQueueBytes: number;
  /** The `retry:` hint sent when the hub shuts down: come back after this many milliseconds. */
  shutdownRetryMs: number;
  /** Coalescing window for writes (see `HttpOptions.flushDelayMs`); 0 = end of the turn. */
  flushDelayMs?: number;
}

/**
 * Serves a subscription as an event stream. The subscriber is registered before the response
 * headers are written (they carry the `Last-Event-ID` answer), history replays once they are out.
 */
export async function serveSse(context: SubscriptionContext, options: SseTransportOptions): Promise<void> {
  let stream: SseStream | undefined;
  let pendingClose: CloseReason | undefined;
  const sink: SubscriberSink = {
    deliver: (update) => {
      if (stream === undefined) return;
      // Sent bytes are counted by the hub's observer, once per event for all streams.
      stream.sendBytes(update.sseBytes());
    },
    // A replay waits for the socket to take what is queued before queueing more: a long history
    // goes out at the client's pace, in memory bounded by half the queue, and never overflows a
    // client that reads (only one that stops reading while live events pile up).
    drain: () => stream?.waitForDrain() ?? Promise.resolve(),
    isBackedUp: () => (stream?.queuedBytes ?? 0) >= options.maxQueueBytes / 2,
    close: (reason) => {
      if (!stream) {
        pendingClose = reason;
        return;
      }
      if (stream.isClosed) return;
      // Tell the client when to come back: the hub (or its replacement) will be up shortly.
      if (reason === 'shutdown') stream.sendBytes(encodeRetry(options.shutdownRetryMs));
      stream.close();
    },
  };
  const open = await context.hub.openSubscription({
    ...context.request,
    sink,
    transport: 'sse',
    isTracked: true,
  });
  const headers: Record<string, string> = { ...context.headers, 'x-accel-buffering': 'no' };
  // 0.x: always, like the reference hub (a live-only client learns where it starts; Herald's
  // client adopts it then). draft-08: when a cursor was requested, as the spec requires.
  if (context.protocol !== 'draft-08') headers['last-event-id'] = open.legacyLastEventId;
  else if (context.request.lastEventId !== undefined) headers['last-event-id'] = open.draftLastEventId;
  let hasEnded = false;
  const end = () => {
    if (hasEnded) return;
    hasEnded = true;
    context.onEnd();
  };
  stream = context.exchange.startEventStream({
    headers,
    heartbeatMs: options.heartbeatMs,
    flushDelayMs: options.flushDelayMs ?? 0,
    maxQueueBytes: options.maxQueueBytes,
    lastEventIdParam: false,
    onClose: (reason) => {
      open.subscriber.close(reason === 'queue-overflow' ? 'overflow' : 'client');
      end();
    },
  });
  if (pendingClose !== undefined) {
    open.subscriber.close(pendingClose);
    if (!stream.isClosed) stream.close();
    return;
  }
  await open.replay();
}

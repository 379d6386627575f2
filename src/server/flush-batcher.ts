/** A stream with bytes queued since the last flush. */
export interface Flushable {
  /** Writes the queued bytes. Must not throw: a failure closes that stream only. */
  flush(): void;
}

/**
 * One shared "flush at the end of this turn" for every stream.
 *
 * Why: a publisher that sends 3 events to 10 000 streams in one turn should cause 10 000 writes,
 * not 30 000, and schedule ONE callback, not 10 000. Streams queue references to the caller's
 * bytes and put themselves on this list once; the callback writes each stream's batch in one go.
 *
 * `setImmediate` runs after the I/O callbacks of the current loop iteration, so events published
 * from several sockets' callbacks in the same iteration still share a write. The reference is
 * taken at module load so that tests faking timers do not stall delivery. Where `setImmediate`
 * does not exist (Deno, browsers), a microtask still gathers everything sent synchronously.
 */
const scheduleTurnEnd: (callback: () => void) => void =
  typeof globalThis.setImmediate === 'function'
    ? globalThis.setImmediate.bind(globalThis)
    : globalThis.queueMicrotask.bind(globalThis);

// Two arrays used in turn, so a flush that queues more (a stream flushed during a flush) lands
// in the next batch, and no array is allocated per turn.
let pending: Flushable[] = [];
let spare: Flushable[] = [];
let isScheduled = false;

/** Queues `stream` for the shared flush. The caller guarantees it is queued at most once per batch. */
export function scheduleFlush(stream: Flushable): void {
  pending.push(stream);
  if (!isScheduled) {
    isScheduled = true;
    scheduleTurnEnd(runFlush);
  }
}

function runFlush(): void {
  const batch = pending;
  pending = spare;
  isScheduled = false;
  for (let i = 0; i < batch.length; i++) batch[i]!.flush();
  batch.length = 0;
  spare = batch;
}

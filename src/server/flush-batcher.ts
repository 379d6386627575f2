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

/**
 * Coalescing windows: one batch (and one timer) per delay in use, shared by every stream with that
 * `flushDelayMs`. Taken at module load for the same reason as `scheduleTurnEnd`.
 */
const scheduleAfter = globalThis.setTimeout.bind(globalThis);
const delayedBatches = new Map<number, Flushable[]>();

/**
 * Queues `stream` for the shared flush: at the end of this turn, or `delayMs` later. The caller
 * guarantees it is queued at most once per batch.
 */
export function scheduleFlush(stream: Flushable, delayMs: number): void {
  if (delayMs > 0) {
    scheduleDelayedFlush(stream, delayMs);
    return;
  }
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

/**
 * Why a delay at all: each write costs a syscall (several microseconds on Linux, far more than
 * our bookkeeping), so a busy hub that can afford a few milliseconds of latency gathers every
 * event of the window into one write per stream.
 */
function scheduleDelayedFlush(stream: Flushable, delayMs: number): void {
  let batch = delayedBatches.get(delayMs);
  if (batch === undefined) {
    batch = [];
    delayedBatches.set(delayMs, batch);
    scheduleAfter(runDelayedFlush, delayMs, delayMs);
  }
  batch.push(stream);
}

function runDelayedFlush(delayMs: number): void {
  const batch = delayedBatches.get(delayMs);
  delayedBatches.delete(delayMs);
  if (batch === undefined) return;
  for (let i = 0; i < batch.length; i++) batch[i]!.flush();
}

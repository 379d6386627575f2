/**
 * One Herald client subscriber of a bench feed: records, per received event, its sequence number
 * and the publish-to-receive latency (the event data carries `{ seq, sentAtMs }`, where `sentAtMs`
 * is `performance.now()` in this same process just before the publish request).
 */
import { EventSource, type EventSourceOptions } from '../../src/client/index.js';

export interface FeedSample {
  seq: number;
  sentAtMs: number;
}

export interface FeedSubscriber {
  readonly label: string;
  readonly seqs: number[];
  readonly latenciesMs: number[];
  readonly errors: string[];
  /** Resolves when `count` events have arrived, or after `timeoutMs` (check `seqs.length`). */
  waitFor(count: number, timeoutMs: number): Promise<void>;
  close(): void;
}

export function subscribeFeed(label: string, url: string, options: EventSourceOptions): FeedSubscriber {
  const seqs: number[] = [];
  const latenciesMs: number[] = [];
  const errors: string[] = [];
  const waiters = new Set<() => void>();
  const source = new EventSource(url, options);
  source.addEventListener('message', (event) => {
    const receivedAtMs = performance.now();
    const sample = JSON.parse((event as MessageEvent<string>).data) as FeedSample;
    seqs.push(sample.seq);
    latenciesMs.push(receivedAtMs - sample.sentAtMs);
    for (const wake of waiters) wake();
  });
  source.addEventListener('error', (event) => {
    errors.push(String((event as Event & { code?: string }).code ?? 'error'));
  });
  return {
    label,
    seqs,
    latenciesMs,
    errors,
    waitFor(count, timeoutMs) {
      return new Promise<void>((resolve) => {
        const done = () => {
          if (seqs.length < count) return;
          finish();
        };
        const timer = setTimeout(() => finish(), timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        waiters.add(done);
        done();
      });
    },
    close: () => source.close(),
  };
}

/** Every sequence number from 0 to `count - 1` exactly once, ascending. */
export function isCompleteInOrder(seqs: readonly number[], count: number): boolean {
  return seqs.length === count && seqs.every((seq, index) => seq === index);
}

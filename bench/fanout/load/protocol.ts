/**
 * Messages between the orchestrator and its load-generator processes (over the fork IPC channel).
 * Each command gets exactly one reply of the matching `type`; the orchestrator sends one command at
 * a time per process, so replies need no ids.
 */
import type { HistogramSnapshot } from './latency-histogram.js';

export interface ConnectCommand {
  type: 'connect';
  host: string;
  port: number;
  /** The whole request head, `GET … HTTP/1.1\r\n…\r\n\r\n`. */
  request: string;
  count: number;
  /** Source addresses to spread sockets over (ephemeral ports run out at ~28k per address). */
  localAddresses: string[];
  /** Index of this process's first socket across all processes, so addresses alternate globally. */
  firstIndex: number;
  concurrency: number;
  timeoutMs: number;
}

export interface ConnectReply {
  type: 'connected';
  ok: number;
  failed: number;
  errors: Record<string, number>;
  statuses: Record<string, number>;
  fdLimit: number | null;
}

export interface ArmCommand {
  type: 'arm';
  runId: number;
  /** Upper bound of the run's sequence numbers (for the per-subscriber duplicate bitmap). */
  maxEvents: number;
}

export interface ProgressCommand {
  type: 'progress';
  runId: number;
}

export interface ProgressReply {
  type: 'progress';
  /** Open subscribers that received at least one event of the run. */
  reached: number;
  open: number;
  deliveries: number;
}

export interface AwaitCommand {
  type: 'await';
  runId: number;
  /** Events each subscriber must receive (the publisher's acknowledged count). */
  expected: number;
  timeoutMs: number;
}

export interface RunReply {
  type: 'result';
  deliveries: number;
  lost: number;
  /** Deliveries below a sequence number the subscriber already had (send order broken). */
  outOfOrder: number;
  duplicates: number;
  /** Order-of-arrival hash → number of subscribers that saw that order. */
  orders: Record<string, number>;
  /** Subscriber sockets closed (by the server or an error) since they connected. */
  disconnected: number;
  lastReceiveUs: number;
  histogram: HistogramSnapshot;
}

export interface CloseCommand {
  type: 'close';
}

export interface ClosedReply {
  type: 'closed';
}

export type SubscriberCommand = ConnectCommand | ArmCommand | ProgressCommand | AwaitCommand | CloseCommand;
export type SubscriberReply = ConnectReply | ProgressReply | RunReply | ClosedReply;

/** How to publish to a target: the publisher builds each request from this. */
export interface PublishSpec {
  host: string;
  port: number;
  path: string;
  headers: Record<string, string>;
  /** `raw`: the payload is the body; `mercure-form`: `topic=…&data=…` urlencoded. */
  bodyFormat: 'raw' | 'mercure-form';
  topic: string;
}

export interface PublishCommand {
  type: 'publish';
  spec: PublishSpec;
  runId: number;
  count: number;
  /** Events per second; null publishes as fast as the pipeline window allows. */
  eventsPerSec: number | null;
  /** Requests in flight on the one pipelined connection (one connection keeps events in order). */
  window: number;
  payloadBytes: number;
  deadlineMs: number;
}

export interface PublishReply {
  type: 'published';
  sent: number;
  acked: number;
  /** Non-2xx statuses and socket errors, by status code or error code. */
  errors: Record<string, number>;
  firstSendUs: number;
  lastAckUs: number;
}

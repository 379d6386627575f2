import type { PublishSpec } from '../load/protocol.js';

/** A server under test, started and ready to take subscribers. */
export interface RunningTarget {
  readonly name: string;
  /** The PID whose process tree is measured (CPU, RSS). */
  readonly pid: number;
  /** Other processes the target needs (a Redis server): their CPU and RSS count as the target's. */
  readonly helperPids?: readonly number[];
  readonly host: string;
  readonly port: number;
  /** The raw HTTP/1.1 request head a subscriber sends to follow `topic`. */
  subscribeRequest(topic: string): string;
  publishSpec(topic: string): PublishSpec;
  stop(): Promise<void>;
}

export interface TargetContext {
  repoRoot: string;
  /** A private scratch directory for this start (configs, logs, databases). */
  scratchDir: string;
  /** Extra command-line arguments for `herald serve`, from `--herald-args`. */
  heraldArgs: readonly string[];
}

export interface TargetDefinition {
  readonly name: string;
  /** Why the target cannot run on this machine (and how to fix it), or undefined when it can. */
  unavailableReason(context: TargetContext): string | undefined;
  start(context: TargetContext): Promise<RunningTarget>;
}

/** The request head every SSE subscriber sends; targets differ only in the path. */
export function sseRequest(host: string, port: number, path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n`;
}

import type { IncomingHttpHeaders } from 'node:http';
import type { SseStream, SseStreamOptions } from '../server/index.js';

/**
 * One request and its response, whichever host serves them (`node:http`, `node:http2`'s
 * compatibility API, or a Fetch `Request`/`Response`). The hub's request logic is written once
 * against this; each host supplies a small adapter (`node-exchange.ts`, `fetch-exchange.ts`).
 */
export interface Exchange {
  readonly method: string;
  /** Path and query as sent (`/.well-known/mercure?topic=a`): the raw path is authorized as is. */
  readonly target: string;
  /** Request headers with lowercase names (`cookie` joined as one value). */
  readonly headers: IncomingHttpHeaders;
  /** Where the client connects from, for per-address limits (`unknown` when the host cannot tell). */
  readonly clientAddress: string;
  /**
   * The whole request body, or `undefined` once it crosses `maxBytes` (counted as it streams in,
   * never buffered whole first; the rest is discarded so the error answer can still be sent).
   */
  readBody(maxBytes: number): Promise<Uint8Array | undefined>;
  /** Answers with a complete response. Headers must not be connection-specific (HTTP/2). */
  respond(status: number, headers: Record<string, string>, body?: string | Uint8Array): void;
  /** Answers with an event stream; the stream writes the status and headers. */
  startEventStream(options: SseStreamOptions): SseStream;
  /** Whether the response has started (a late error can then only abort it). */
  readonly hasResponded: boolean;
  /** Tears down a response that has started. */
  abort(): void;
  /** Calls `callback` once when the client goes away; at once if it already has. */
  onClientGone(callback: () => void): void;
}

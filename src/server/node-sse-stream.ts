import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { sseResponseHeaders } from './headers.js';
import { readLastEventId } from './last-event-id.js';
import { assertValidOptions, DEFAULT_LAST_EVENT_ID_PARAM, type SseStreamOptions } from './options.js';
import { BaseSseStream, initialBytes, type SseStream } from './sse-stream.js';

export type NodeSseRequest = IncomingMessage | Http2ServerRequest;
export type NodeSseResponse = ServerResponse | Http2ServerResponse;

/** The members both response kinds share (their declared types differ in details we do not use). */
interface ResponseLike {
  writeHead(statusCode: number, headers: OutgoingHttpHeaders): unknown;
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  destroy?(error?: Error): unknown;
  /** Added by the `compression` middleware; pushes zlib's buffered output out. */
  flush?(): void;
  /** The connection; on HTTP/2 a proxy to the session's socket (not corked: see `#socket`). */
  readonly socket?: CorkableSocket | null;
  /** HTTP/1.1: the response (its connection) is gone; HTTP/2 says it on `stream`. */
  readonly destroyed?: boolean;
  readonly stream?: { readonly destroyed?: boolean };
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: () => void): unknown;
  [kStream]?: NodeSseStream | undefined;
}

interface CorkableSocket {
  cork?(): void;
  uncork?(): void;
  readonly writableCorked?: number;
}

const kStream = Symbol('herald.sseStream');

// Shared by every stream: EventEmitter calls listeners with `this` = the response, and the
// response points at its stream, so no closure per stream is allocated or retained.
function onResponseClose(this: ResponseLike): void {
  this[kStream]?.onTransportClosed();
}
function onResponseError(this: ResponseLike, error: unknown): void {
  this[kStream]?.onTransportError(error);
}

/**
 * Starts an event stream on a `node:http` or `node:http2` compatibility response: writes the
 * headers and the first bytes at once (so the client's `open` fires before any event), and
 * disables Nagle's algorithm so each flushed batch leaves immediately.
 * Throws `SseError` (invalid `retryMs`) or `RangeError` (invalid options) before writing anything.
 */
export function createNodeSseStream(
  req: NodeSseRequest,
  res: NodeSseResponse,
  options: SseStreamOptions = {},
): SseStream {
  assertValidOptions(options);
  const firstBytes = initialBytes(options);
  const lastEventId = readLastEventId(
    req.headers['last-event-id'],
    req.url,
    options.lastEventIdParam ?? DEFAULT_LAST_EVENT_ID_PARAM,
  );
  const headers = sseResponseHeaders(req.httpVersionMajor >= 2, options.headers);
  setNoDelay(req);
  const response = res as unknown as ResponseLike;
  // HTTP/1.1 only: an HTTP/2 stream's bytes go through the session, and each property read on
  // the compat socket proxy binds a function.
  const socket = req.httpVersionMajor >= 2 ? undefined : (response.socket ?? undefined);
  return new NodeSseStream(response, options, lastEventId, headers, firstBytes, socket);
}

function setNoDelay(req: NodeSseRequest): void {
  try {
    // On HTTP/2 the compat socket is a proxy to the session's socket; no-delay suits it too.
    req.socket?.setNoDelay?.(true);
  } catch {
    // Some proxied or mocked sockets refuse socket manipulation; batching still bounds latency.
  }
}

/**
 * node:http builds the response head with `+=` and keeps it (`_header`) as long as the response
 * lives: for an event stream, a rope of ~50 string nodes (~1.5 KB per connection in a heap
 * snapshot, bench/profile/idle-memory.ts). Reading one character makes V8 flatten it in place
 * (one ~300-byte string); the nodes become garbage. Read-only: nothing changes for node:http.
 */
function flattenHeaderBlock(res: ResponseLike): void {
  const header = (res as { _header?: unknown })._header;
  if (typeof header === 'string') header.charCodeAt(0);
}

class NodeSseStream extends BaseSseStream {
  readonly #res: ResponseLike;
  /** Resolved once: compression installs `flush` before our handler runs. */
  readonly #hasFlush: boolean;
  /** The HTTP/1.1 connection, corked around each write; undefined on HTTP/2 and mocks. */
  readonly #socket: CorkableSocket | undefined;
  /** Created only if this stream ever blocks, which a healthy client never causes. */
  #onDrain: (() => void) | undefined;

  constructor(
    res: ResponseLike,
    options: SseStreamOptions,
    lastEventId: string | undefined,
    headers: OutgoingHttpHeaders,
    firstBytes: Uint8Array,
    socket: CorkableSocket | undefined,
  ) {
    super(options, lastEventId);
    this.#res = res;
    this.#hasFlush = typeof res.flush === 'function';
    this.#socket = typeof socket?.cork === 'function' ? socket : undefined;
    res[kStream] = this;
    res.on('close', onResponseClose);
    res.on('error', onResponseError);
    res.writeHead(200, headers);
    this.open(firstBytes);
    flattenHeaderBlock(res);
    // The client left before the stream was made (while the host awaited something): its 'close'
    // is past, so say it now, after the constructor returned and the caller holds the stream.
    if (res.destroyed === true || res.stream?.destroyed === true) {
      queueMicrotask(() => this.handleTransportClosed());
    }
  }

  onTransportClosed(): void {
    this.handleTransportClosed();
  }

  onTransportError(error: unknown): void {
    this.handleTransportError(error);
  }

  protected writeChunk(bytes: Uint8Array): boolean {
    // node:http writes a chunk as four socket writes (size, CRLF, bytes, CRLF) and, unless the
    // socket is already corked, corks it and uncorks on the next tick: a process.nextTick per
    // write per stream. Corking here makes it one synchronous writev without that tick (the
    // profile of a fixed-rate fan-out showed that tick machinery at ~4% of the CPU).
    const socket = this.#socket;
    if (socket === undefined || socket.writableCorked !== 0) return this.#writeResponse(bytes);
    socket.cork!();
    try {
      return this.#writeResponse(bytes);
    } finally {
      socket.uncork!();
    }
  }

  #writeResponse(bytes: Uint8Array): boolean {
    const isWritable = this.#res.write(bytes);
    // Belt and braces: our no-transform header already makes `compression` skip the body; if a
    // caller overrides Cache-Control, flushing keeps zlib from holding the event back.
    if (this.#hasFlush) this.#res.flush!();
    return isWritable;
  }

  protected awaitWritable(): void {
    // A closure rather than a shared handler: `compression` re-targets 'drain' listeners to its
    // zlib stream, where `this` would not be the response.
    this.#onDrain ??= () => this.handleWritable();
    this.#res.once('drain', this.#onDrain);
  }

  protected endTransport(): void {
    this.#res.end();
  }

  protected destroyTransport(error: Error): void {
    // Errors are already reported through onClose/logger; destroying without an error keeps
    // Node from emitting an 'error' nobody asked for.
    void error;
    this.#res.destroy?.();
  }

  protected detachTransport(): void {
    // The shared listeners stay: they ignore a closed stream, and a late 'error' on the response
    // must still find a listener rather than crash the process.
  }
}

import { type IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import { chunkFrame } from './chunk-frame.js';
import {
  type DetachableResponse,
  type HttpConnection,
  releaseConnection,
  takeOverConnection,
} from './connection-takeover.js';
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
  listeners(event: 'close'): ((...args: never[]) => void)[];
  [kStream]?: NodeSseStream | undefined;
}

interface CorkableSocket {
  cork?(): void;
  uncork?(): void;
  readonly writableCorked?: number;
}

/** The HTTP/1.1 connection as the raw path uses it (a `net.Socket`). */
interface RawSocket {
  write(bytes: Uint8Array): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(bytes: Uint8Array, callback: () => void): unknown;
  destroy(): unknown;
  readonly destroyed: boolean;
  /** node:http: the response that owns the connection's output now (pipelined ones wait). */
  readonly _httpMessage?: unknown;
}

/** node:http's own `write`: while a response has it, nobody (compression, a test) sits in between. */
const NODE_RESPONSE_WRITE = ServerResponse.prototype.write;

const kStream = Symbol('herald.sseStream');

// Shared by every stream: EventEmitter calls listeners with `this` = the response, and the
// response points at its stream, so no closure per stream is allocated or retained.
function onResponseClose(this: ResponseLike): void {
  this[kStream]?.onTransportClosed();
}
function onResponseError(this: ResponseLike, error: unknown): void {
  this[kStream]?.onTransportError(error);
}

/** The last chunk of a chunked body, written by the stream itself on a connection it took over. */
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

// A taken-over connection's listeners, shared as the response's are (the socket points at its stream).
type TakenOverSocket = Socket & { [kStream]?: NodeSseStream | undefined };
const connectionListeners = {
  /** A client has nothing more to say on an event stream: a pipelined request could never be answered. */
  data(): void {},
  /** The client half-closed: it is gone. */
  end(this: Socket): void {
    this.destroy();
  },
  close(this: TakenOverSocket): void {
    releaseConnection(this);
    this[kStream]?.onConnectionClosed();
  },
  /** A reset or a failed write: 'close' follows and ends the stream, as node:http's would. */
  error(): void {},
};

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
  const stream = new NodeSseStream(response, options, lastEventId, headers, firstBytes, socket);
  // After node:http's parser returned (see `takeOverConnection`): the handler may run inside it.
  if (options.takeOverConnection === true && stream.canTakeOver) setImmediate(takeOverSoon, stream);
  return stream;
}

/**
 * The socket the body may be written to directly, framing each write ourselves, or undefined when
 * node:http must keep writing it: HTTP/2; a body that is not chunked (an HTTP/1.0 client, a
 * HEAD); a response behind a pipelined one (its bytes wait in node:http); a `write` someone wrapped
 * (compression); a connection already gone. Asked once the headers and the first bytes are out.
 */
function rawSocketOf(res: ResponseLike, socket: CorkableSocket | undefined): RawSocket | undefined {
  const http = res as ResponseLike & {
    chunkedEncoding?: boolean;
    _hasBody?: boolean;
    outputData?: readonly unknown[];
  };
  const raw = socket as (CorkableSocket & Partial<RawSocket>) | undefined;
  const isOpenSocket = raw !== undefined && typeof raw.write === 'function' && raw.destroyed === false;
  const isChunkedBody =
    http.chunkedEncoding === true && http._hasBody === true && http.outputData?.length === 0;
  const isOwnedByNode =
    raw?._httpMessage === res && res.write === NODE_RESPONSE_WRITE && res.flush === undefined;
  return isOpenSocket && isChunkedBody && isOwnedByNode ? (raw as RawSocket) : undefined;
}

function takeOverSoon(stream: NodeSseStream): void {
  stream.takeOver();
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
  /** The response; undefined once the connection is taken over (the stream keeps only the socket). */
  #res: ResponseLike | undefined;
  /** Resolved once: compression installs `flush` before our handler runs. */
  readonly #hasFlush: boolean;
  /** The HTTP/1.1 connection, corked around each write; undefined on HTTP/2 and mocks. */
  readonly #socket: CorkableSocket | undefined;
  /**
   * The same connection once the headers are out, when the body may bypass node:http (see
   * `rawSocketOf`): each write is then one `socket.write` of a chunk we frame ourselves.
   */
  #rawSocket: RawSocket | undefined;
  /** Created only if this stream ever blocks, which a healthy client never causes. */
  #onDrain: (() => void) | undefined;
  /** A taken-over connection: who else listened for the response's 'close' (an access log). */
  #closeListeners: (() => void)[] | undefined;

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
    // The head and the first bytes through node:http, which frames the body from then on as
    // chunked (HTTP/1.1) and keeps the connection's bookkeeping; the events after them directly.
    this.open(firstBytes);
    if (!this.isClosed) this.#rawSocket = rawSocketOf(res, this.#socket);
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

  /** Whether the connection may be taken over once node:http's turn is over (raw writes on HTTP/1.1). */
  get canTakeOver(): boolean {
    return this.#rawSocket !== undefined && !this.isClosed;
  }

  /** See `SseStreamOptions.takeOverConnection`; does nothing when node:http cannot hand it over. */
  takeOver(): void {
    const res = this.#res;
    const socket = this.#rawSocket as (RawSocket & HttpConnection) | undefined;
    if (res === undefined || socket === undefined || this.isClosed || socket.destroyed) return;
    if (res.write !== NODE_RESPONSE_WRITE) return;
    if (!takeOverConnection(socket, res as unknown as DetachableResponse, connectionListeners)) return;
    (socket as TakenOverSocket)[kStream] = this;
    // Whoever else waits for the response's end hears it from the connection; the response, the
    // request and what node:http kept with them can go.
    const others = res.listeners('close').filter((listener) => listener !== onResponseClose);
    if (others.length > 0) this.#closeListeners = others as (() => void)[];
    res[kStream] = undefined;
    this.#res = undefined;
  }

  /** A taken-over connection closed: what the response's 'close' said before the take-over. */
  onConnectionClosed(): void {
    const listeners = this.#closeListeners;
    this.#closeListeners = undefined;
    this.handleTransportClosed();
    if (listeners !== undefined) for (const listener of listeners) listener();
  }

  protected writeChunk(bytes: Uint8Array): boolean {
    const rawSocket = this.#rawSocket;
    const res = this.#res;
    // Re-checked per write (two loads): a `write` wrapped after the stream opened still sees every
    // byte (until the connection is taken over: node:http has no socket to write to then).
    if (rawSocket !== undefined && (res === undefined || res.write === NODE_RESPONSE_WRITE)) {
      return writeRaw(rawSocket, bytes);
    }
    // node:http writes a chunk as four socket writes (size, CRLF, bytes, CRLF) and, unless the
    // socket is already corked, corks it and uncorks on the next tick: a process.nextTick per
    // write per stream. Corking here makes it one synchronous writev without that tick (the
    // profile of a fixed-rate fan-out showed that tick machinery at ~4% of the CPU).
    const socket = this.#socket;
    if (socket === undefined || socket.writableCorked !== 0) return this.#writeResponse(res!, bytes);
    socket.cork!();
    try {
      return this.#writeResponse(res!, bytes);
    } finally {
      socket.uncork!();
    }
  }

  #writeResponse(res: ResponseLike, bytes: Uint8Array): boolean {
    const isWritable = res.write(bytes);
    // Belt and braces: our no-transform header already makes `compression` skip the body; if a
    // caller overrides Cache-Control, flushing keeps zlib from holding the event back.
    if (this.#hasFlush) res.flush!();
    return isWritable;
  }

  protected awaitWritable(): void {
    // A closure rather than a shared handler: `compression` re-targets 'drain' listeners to its
    // zlib stream, where `this` would not be the response.
    this.#onDrain ??= () => this.handleWritable();
    // A raw write's refusal is the socket's: node:http only relays 'drain' for its own writes.
    if (this.#rawSocket !== undefined) this.#rawSocket.once('drain', this.#onDrain);
    else this.#res?.once('drain', this.#onDrain);
  }

  protected endTransport(): void {
    const res = this.#res;
    if (res === undefined) {
      // The connection is ours: the last chunk, then it closes (it serves no other request).
      const socket = this.#rawSocket;
      if (socket !== undefined && !socket.destroyed) socket.end(LAST_CHUNK, () => socket.destroy());
      return;
    }
    // node:http writes the last chunk and keeps (or closes) the connection as it would have.
    this.#rawSocket = undefined;
    res.end();
  }

  protected destroyTransport(error: Error): void {
    // Errors are already reported through onClose/logger; destroying without an error keeps
    // Node from emitting an 'error' nobody asked for.
    void error;
    if (this.#res === undefined) this.#rawSocket?.destroy();
    else this.#res.destroy?.();
  }

  protected detachTransport(): void {
    // The shared listeners stay: they ignore a closed stream, and a late 'error' on the response
    // must still find a listener rather than crash the process.
  }
}

/**
 * One delivery, one system call: the chunk framed in one buffer (shared by every stream that sends
 * the same bytes), written straight to the socket, without node:http's per-write machinery
 * (`OutgoingMessage.write`, its cork and nextTick, a `writev` of four iovecs).
 */
function writeRaw(socket: RawSocket, bytes: Uint8Array): boolean {
  // A zero-size chunk would end the body; node:http writes nothing for an empty write either.
  if (bytes.byteLength === 0) return true;
  // Gone: nothing to write to, and the response's 'close' (already queued) ends the stream.
  if (socket.destroyed) return true;
  return socket.write(chunkFrame(bytes));
}

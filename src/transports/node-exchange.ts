import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { createNodeSseStream, type SseStream, type SseStreamOptions } from '../server/index.js';
import type { Exchange } from './exchange.js';
import { readBodyWithin } from './read-body.js';

export type NodeRequest = IncomingMessage | Http2ServerRequest;
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** The members both response kinds share (their declared types differ in details we do not use). */
interface ResponseLike {
  readonly headersSent: boolean;
  readonly destroyed?: boolean;
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: string | Uint8Array): unknown;
  destroy(): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** Adapts a `node:http` or `node:http2` compatibility request/response pair. */
export function nodeExchange(req: NodeRequest, res: NodeResponse): Exchange {
  return new NodeExchange(req, res);
}

/**
 * A class, not an object literal: an SSE exchange lives as long as its connection, and a literal
 * with a getter and eight closures cost ~1.4 KB per connection (the getter alone puts it in
 * dictionary mode, 832 B; heap snapshot, bench/profile/idle-memory.ts); methods on the prototype
 * cost nothing per connection.
 */
class NodeExchange implements Exchange {
  readonly method: string;
  readonly target: string;
  readonly headers: NodeRequest['headers'];
  readonly clientAddress: string;
  readonly #req: NodeRequest;
  readonly #res: NodeResponse;

  constructor(req: NodeRequest, res: NodeResponse) {
    this.method = req.method ?? 'GET';
    this.target = req.url ?? '/';
    this.headers = req.headers;
    this.clientAddress = req.socket?.remoteAddress ?? 'unknown';
    this.#req = req;
    this.#res = res;
  }

  get #response(): ResponseLike {
    return this.#res as unknown as ResponseLike;
  }

  readBody(maxBytes: number): Promise<Uint8Array | undefined> {
    return readNodeBody(this.#req, maxBytes);
  }

  respond(status: number, headers: Record<string, string>, body?: string | Uint8Array): void {
    this.#response.writeHead(status, headers);
    this.#response.end(body);
  }

  startEventStream(options: SseStreamOptions): SseStream {
    return createNodeSseStream(this.#req, this.#res, options);
  }

  get hasResponded(): boolean {
    return this.#response.headersSent;
  }

  abort(): void {
    this.#response.destroy();
  }

  onClientGone(callback: () => void): void {
    if (this.#response.destroyed) callback();
    else this.#response.once('close', callback);
  }
}

function readNodeBody(req: NodeRequest, maxBytes: number): Promise<Uint8Array | undefined> {
  // Discard the rest rather than destroying the socket: the 413 must still reach the client.
  return readBodyWithin(req as AsyncIterable<Buffer>, req.headers['content-length'], maxBytes, () =>
    req.resume(),
  );
}

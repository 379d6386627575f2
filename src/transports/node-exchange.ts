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
  const response = res as unknown as ResponseLike;
  return {
    method: req.method ?? 'GET',
    target: req.url ?? '/',
    headers: req.headers,
    clientAddress: req.socket?.remoteAddress ?? 'unknown',
    readBody: (maxBytes) => readNodeBody(req, maxBytes),
    respond(status, headers, body) {
      response.writeHead(status, headers);
      response.end(body);
    },
    startEventStream: (options: SseStreamOptions): SseStream => createNodeSseStream(req, res, options),
    get hasResponded() {
      return response.headersSent;
    },
    abort: () => response.destroy(),
    onClientGone(callback) {
      if (response.destroyed) callback();
      else response.once('close', callback);
    },
  };
}

function readNodeBody(req: NodeRequest, maxBytes: number): Promise<Uint8Array | undefined> {
  // Discard the rest rather than destroying the socket: the 413 must still reach the client.
  return readBodyWithin(req as AsyncIterable<Buffer>, req.headers['content-length'], maxBytes, () =>
    req.resume(),
  );
}

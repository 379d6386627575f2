/**
 * herald/server: one Server-Sent Events stream, served by `node:http`, `node:http2`'s
 * compatibility API, or as a Fetch `Response` (Hono, Next.js route handlers, Bun, Deno).
 *
 * ```ts
 * createNodeSseStream(req, res, options?): SseStream
 * createFetchSseResponse(request, options?): { response: Response; stream: SseStream }
 * stream.send({ data, id?, event?, retry?, comment? }) // throws SseError on invalid fields, writes nothing then
 * stream.sendBytes(encodeEvent(event))                  // encode once, send the same bytes to many streams
 * stream.comment(text); stream.close();
 * stream.queuedBytes; await stream.waitForDrain()       // pace a long send (e.g. a replay) to the client
 * stream.closed: Promise<StreamCloseReason>; stream.signal: AbortSignal
 * stream.lastEventId: string | undefined; stream.isClosed: boolean
 * ```
 *
 * Behaviour (see `SseStreamOptions` for the knobs):
 * - Headers `Content-Type: text/event-stream; charset=utf-8`, `Cache-Control: no-cache, no-store,
 *   no-transform` (which also makes the `compression` middleware skip the body), `X-Accel-Buffering:
 *   no`; never `Connection`/`Transfer-Encoding` on HTTP/2. Headers and a first line (the `retry:`
 *   hint, or an empty comment) are written at once, so `open` fires before the first event.
 * - Writes are batched: everything sent to a stream within one event-loop turn goes out in one
 *   write, from one `setImmediate` shared by all streams (or one timer per `flushDelayMs` window,
 *   to trade a few milliseconds of latency for far fewer syscalls). `sendBytes` queues a
 *   reference, no copy; a lone queued chunk is handed to the transport as is.
 * - HTTP/1.1 on node:http: node:http writes the headers, the first bytes and the last chunk; every
 *   write between goes straight to the socket as one chunk framed by the stream (one `write`
 *   system call, the same framed `Buffer` for every stream sent the same bytes). An HTTP/1.0 or
 *   HEAD response, one behind a pipelined response, a wrapped `res.write` (compression) and HTTP/2
 *   keep node:http's own writes. With `takeOverConnection`, the connection leaves node:http once
 *   the head is out (its parser, listeners, request and response objects are let go), and the
 *   stream writes the last chunk and closes the connection itself.
 * - Heartbeat comments after `heartbeatMs` of silence (default 15 s), from ONE timer per interval
 *   shared by all streams; any write resets a stream's idle time.
 * - Backpressure: when the transport refuses a write, bytes wait in a per-stream queue bounded by
 *   `maxQueueBytes` (default 1 MiB); past it the stream is destroyed with `queue-overflow` (the
 *   client reconnects with Last-Event-ID), reported to `onClose` and `logger.warn`.
 * - A client that goes away ends the stream with `client-closed`: heartbeat membership, queue and
 *   listeners are released.
 */

export type { Timers } from '../clock/index.js';
export { closeTakenOverConnections } from './connection-takeover.js';
export { createFetchSseResponse } from './fetch-sse-response.js';
export { createNodeSseStream, type NodeSseRequest, type NodeSseResponse } from './node-sse-stream.js';
export {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_LAST_EVENT_ID_PARAM,
  DEFAULT_MAX_QUEUE_BYTES,
  type SseLogger,
  type SseStreamOptions,
  type StreamCloseReason,
} from './options.js';
export type { SseStream } from './sse-stream.js';
export { SseStreamClosedError } from './stream-closed-error.js';

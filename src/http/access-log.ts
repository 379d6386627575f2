import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { NodeRequest, NodeResponse } from '../transports/index.js';
import { clientAddressOf, type TrustedProxies } from './client-address.js';

/**
 * One access-log line: what a request was and how it ended. The path is logged WITHOUT its query
 * string (it can carry `authorization` tokens and topics), and no header is logged at all (no
 * `Authorization`, no cookie).
 */
export interface AccessLogEntry {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  /** Bytes written on the connection for this response, headers included (HTTP/1.1 only). */
  bytes?: number;
  clientAddress: string;
}

/** The request target's path: everything before the first `?` (or `#`), never the query. */
export function pathOfTarget(target: string): string {
  const end = target.search(/[?#]/);
  return end < 0 ? target : target.slice(0, end);
}

/** A pino line at `info`, message `request`. */
export function writeAccessLog(logger: Logger, entry: AccessLogEntry): void {
  logger.info({ access: entry }, 'request');
}

/** Milliseconds since `startMs` (a `performance.now()` reading), to the tenth. */
function elapsedMs(startMs: number): number {
  return Math.round((performance.now() - startMs) * 10) / 10;
}

/**
 * Logs `req` once its response is finished or torn down (`close`): for an event stream, when the
 * stream ends. Costs one listener per request; the bytes come from the socket's counter.
 */
export function logNodeRequest(
  logger: Logger,
  req: NodeRequest,
  res: NodeResponse,
  trustedProxies?: TrustedProxies,
): void {
  const startMs = performance.now();
  // HTTP/2 multiplexes streams on one socket (and wraps it in a proxy): no per-response count there.
  const socket = req.httpVersionMajor >= 2 ? undefined : (req as IncomingMessage).socket;
  const bytesBefore = socket?.bytesWritten;
  const method = req.method ?? 'GET';
  const path = pathOfTarget(req.url ?? '/');
  // The client behind a trusted proxy (`--trust-proxy`), as the per-address limit counts it.
  const clientAddress = clientAddressOf(req.socket?.remoteAddress ?? 'unknown', req.headers, trustedProxies);
  (res as NodeJS.EventEmitter).once('close', () => {
    const entry: AccessLogEntry = {
      method,
      path,
      status: res.statusCode,
      durationMs: elapsedMs(startMs),
      clientAddress,
    };
    if (socket !== undefined && bytesBefore !== undefined) entry.bytes = socket.bytesWritten - bytesBefore;
    writeAccessLog(logger, entry);
  });
}

/**
 * Logs a Fetch request when its response starts (Fetch hides when a streamed body ends, so an
 * event stream's line is written as it opens).
 */
export function logFetchRequest(
  logger: Logger,
  request: Request,
  clientAddress: string | undefined,
  response: Promise<Response>,
): void {
  const startMs = performance.now();
  const url = new URL(request.url);
  void response.then(
    (answer) =>
      writeAccessLog(logger, {
        method: request.method,
        path: url.pathname,
        status: answer.status,
        durationMs: elapsedMs(startMs),
        clientAddress: clientAddress ?? 'unknown',
      }),
    () => {},
  );
}

import type { IncomingMessage, Server } from 'node:http';
import type { Http2SecureServer, Http2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { systemTimers, type Timers } from '../clock/index.js';
import type { TrustedProxies } from './client-address.js';
import { HttpError } from './errors.js';

/**
 * How long a new connection may take to send the headers of its first request (over TLS: from
 * the end of the handshake, which `TLS_HANDSHAKE_TIMEOUT_MS` bounds before that). A slowloris
 * client sends a header byte now and then to hold a socket for ever; past this bound it gets 408
 * and the socket closes. Ten seconds is generous for a real client on a slow radio link.
 */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/**
 * Streams open at once on one HTTP/2 connection (Node's default: 2^32 − 1). A browser multiplexes
 * every tab's streams on one connection; the per-address cap (256 subscriptions) bounds them too.
 */
export const HTTP2_MAX_CONCURRENT_STREAMS = 256;
/** A TLS handshake must finish within this (Node's default is 120 s). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** A whole request, body included, must arrive within this (Node's default is 300 s). */
export const REQUEST_TIMEOUT_MS = 60_000;
/** How often the unfinished connections are checked: the timeout is enforced within this much. */
const SWEEP_INTERVAL_MS = 1_000;

export interface EdgeGuardOptions {
  /** See `DEFAULT_HEADERS_TIMEOUT_MS`. */
  headersTimeoutMs?: number;
  /**
   * Takes a slot for a connection that has not finished its first request's headers, counted like
   * an open subscription (total and per address), so unfinished sockets cannot pile up beyond the
   * caps; throws an `HttpError` (429) past them. Returns the function that gives the slot back.
   */
  acquire?: (address: string) => () => void;
  /** Peers whose connections are not counted (a trusted proxy holds many for its clients). */
  trustedProxies?: TrustedProxies | undefined;
  timers?: Timers;
  /** Milliseconds since some origin; default `performance.now()`. */
  nowMs?: () => number;
}

/** A connection (an HTTP/2 session) still sending its first request's headers. */
interface Pending {
  readonly deadlineMs: number;
  readonly release: () => void;
  /** Ends it once past the deadline. */
  readonly expire: () => void;
}

/**
 * The hub's edge, before any request reaches it: every request a client gets wrong is answered
 * with a status and a short reason instead of a dropped connection (400 for a malformed request,
 * 414 for a request line over the header limit, 431 for headers over it, 408 for headers that
 * did not arrive in time), and connections that have not finished their first request's headers
 * are bounded in time and counted against the connection caps. An HTTP/2 session counts until its
 * first stream, and is closed (GOAWAY) past the caps or the timeout.
 */
export function guardEdge(server: Server | Http2SecureServer, options: EdgeGuardOptions = {}): () => void {
  const timeoutMs = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const timers = options.timers ?? systemTimers;
  const nowMs = options.nowMs ?? (() => performance.now());
  const pending = new Map<Socket | Http2Session, Pending>();
  const isSecure = !('closeAllConnections' in server);

  /** Takes a slot for `key` (false when refused: `refuse` was called) and starts its clock. */
  const hold = (
    key: Socket | Http2Session,
    address: string | undefined,
    refuse: (error: unknown) => void,
    expire: () => void,
  ): boolean => {
    if (address === undefined || options.trustedProxies?.has(address) === true) return false;
    let release = () => {};
    if (options.acquire !== undefined) {
      try {
        release = options.acquire(address);
      } catch (error) {
        refuse(error);
        return false;
      }
    }
    pending.set(key, { deadlineMs: nowMs() + timeoutMs, release, expire });
    return true;
  };
  const track = (socket: Socket) => {
    const refuse = (error: unknown) => {
      const status = error instanceof HttpError ? error : undefined;
      answer(socket, status?.status ?? 429, status?.message ?? 'too many connections', status?.headers);
    };
    const expire = () => answer(socket, 408, CLIENT_ERROR_REASONS[408] ?? 'request timeout');
    if (hold(socket, socket.remoteAddress, refuse, expire)) socket.on('close', settleOnClose);
  };
  // One listener for every socket, removed once the socket is settled: an event stream's
  // connection, open for hours, keeps nothing of the edge.
  function settleOnClose(this: Socket): void {
    settle(this);
  }
  // An HTTP/2 session holds its slot until its first stream (a request's complete headers); past
  // the caps or the timeout it is closed (GOAWAY), having no stream to answer on.
  const trackSession = (session: Http2Session) => {
    const end = () => session.close();
    if (!hold(session, session.socket?.remoteAddress, end, end)) return;
    session.once('stream', () => settle(session));
    session.once('close', () => settle(session));
  };
  const settle = (key: Socket | Http2Session) => {
    const entry = pending.get(key);
    if (entry === undefined) return;
    pending.delete(key);
    // A socket's listener (a session's are its own, and it is gone with its first stream).
    key.removeListener('close', settleOnClose);
    entry.release();
  };

  if (isSecure) {
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol !== 'h2') track(socket);
    });
    server.on('session', trackSession);
  } else {
    server.on('connection', track);
    // Node's own bounds, a backstop to the sweep below; the body of a request (a publication)
    // must arrive within the request timeout. Neither applies to a response, however long.
    const http = server as Server;
    http.requestTimeout = Math.max(REQUEST_TIMEOUT_MS, timeoutMs);
    http.headersTimeout = timeoutMs;
  }
  // Before the hub's handler: a subscription counts its own slot, and must not be refused at the
  // cap because the slot of its unfinished headers was still held.
  server.prependListener('request', (request: IncomingMessage) => {
    if (request.httpVersionMajor < 2) settle(request.socket);
  });
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
    settle(socket);
    const status = clientErrorStatus(error);
    if (status === undefined) {
      socket.destroy();
      return;
    }
    answer(socket, status, CLIENT_ERROR_REASONS[status] ?? 'bad request');
  });

  let timer: unknown;
  const sweep = () => {
    const now = nowMs();
    for (const [key, entry] of pending) {
      if (entry.deadlineMs > now) continue;
      settle(key);
      entry.expire();
    }
    timer = timers.setTimeout(sweep, Math.min(SWEEP_INTERVAL_MS, timeoutMs));
  };
  timer = timers.setTimeout(sweep, Math.min(SWEEP_INTERVAL_MS, timeoutMs));
  return () => {
    timers.clearTimeout(timer);
    for (const socket of [...pending.keys()]) settle(socket);
  };
}

const CLIENT_ERROR_REASONS: Record<number, string> = {
  400: 'bad request: the request line or a header is malformed',
  408: 'request timeout: the request headers did not arrive in time',
  414: 'the request target is longer than the header size limit (16 KiB); send long matchers in a QUERY body',
  431: 'the request headers are larger than the limit (16 KiB)',
};

/**
 * The status for an error of Node's HTTP parser, or `undefined` when the connection is gone (or was
 * never HTTP). A header overflow before the end of the request line is a target too long (414).
 */
export function clientErrorStatus(error: NodeJS.ErrnoException & { rawPacket?: Buffer }): number | undefined {
  const code = error.code ?? '';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (code === 'HPE_HEADER_OVERFLOW') {
    const packet = error.rawPacket;
    const isRequestLine =
      packet !== undefined && !packet.includes(0x0a) && /^[A-Z]+ /.test(packet.toString('latin1', 0, 16));
    return isRequestLine ? 414 : 431;
  }
  if (code.startsWith('HPE_')) return 400;
  return undefined;
}

/** Writes a complete HTTP/1.1 answer and closes the connection (nothing else was sent on it). */
function answer(socket: Socket, status: number, reason: string, headers: Record<string, string> = {}): void {
  const hasResponse = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (!socket.writable || hasResponse === true) {
    socket.destroy();
    return;
  }
  const body = `${reason}\n`;
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  // Closed once written, whether or not the client (a slowloris one, say) ever closes its side.
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n${extra}\r\n${body}`,
    () => socket.destroy(),
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  414: 'URI Too Long',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
};

import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

/**
 * Taking an HTTP/1.1 connection over from node:http once an event stream's head is out, as
 * node:http itself hands a connection to an `upgrade` listener: its listeners leave the socket, its
 * parser goes back to the pool, and the request and response objects are no longer the socket's.
 * What stays per idle stream is the socket and the stream's own objects: node:http keeps ~4 KB of
 * objects and ~2 KB of native parser state per connection while a response is open (heap
 * snapshots in bench/fanout/RESULTS-memory.md).
 *
 * The connection is then ours: the body's chunks (already written by the stream itself) and the
 * last chunk; the connection is closed after it (never reused for another request). It leaves the
 * server's connection list, so `server.closeAllConnections()` does not see it: call
 * `closeTakenOverConnections(server)` as well.
 */

/** The members of node:http's parser the take-over uses. */
interface HttpParser {
  _consumed?: boolean;
  incoming?: unknown;
  unconsume(): void;
  finish(): unknown;
}

/** A connection as node:http leaves it on the socket. */
export interface HttpConnection extends Socket {
  parser?: HttpParser | null;
  _httpMessage?: unknown;
  server?: object;
}

/** The response's side: node:http's own way of letting go of a connection. */
export interface DetachableResponse {
  detachSocket(socket: Socket): void;
}

type FreeParser = (parser: HttpParser, request: unknown, socket: Socket) => void;

/**
 * node:http's listeners on a connection it serves, by event and by name (the same on Node 20, 22
 * and 24). A connection where one is missing is left to node:http: its internals changed.
 */
const NODE_LISTENERS: readonly (readonly [event: string, name: string])[] = [
  ['data', 'bound socketOnData'],
  ['end', 'bound socketOnEnd'],
  ['close', 'bound socketOnClose'],
  ['drain', 'bound socketOnDrain'],
  ['error', 'socketOnError'],
  ['timeout', 'socketOnTimeout'],
  ['resume', 'onSocketResume'],
  ['pause', 'onSocketPause'],
];

/** node:http's own `freeParser` (`_http_common`, which Node 20–24 still export); absent: no take-over. */
const freeParser: FreeParser | undefined = loadFreeParser();

function loadFreeParser(): FreeParser | undefined {
  try {
    const common = createRequire(import.meta.url)('_http_common') as { freeParser?: unknown };
    return typeof common.freeParser === 'function' ? (common.freeParser as FreeParser) : undefined;
  } catch {
    return undefined;
  }
}

/** Taken-over connections by server, for `closeTakenOverConnections`. */
const takenOverByServer = new WeakMap<object, Set<Socket>>();

export interface ConnectionListeners {
  data(this: Socket, chunk: Buffer): void;
  end(this: Socket): void;
  close(this: Socket): void;
  error(this: Socket, error: Error): void;
}

/**
 * Takes `socket` over from node:http, which must have written `response`'s head and have nothing
 * of it left to write. Must not run inside node:http's parser callbacks (the request handler's
 * own turn): the parser would be put back on the server's list after it was freed. Returns false,
 * changing nothing, when the connection is not node:http's to give (no parser, another response
 * owns the socket, listeners it does not recognise).
 */
export function takeOverConnection(
  socket: HttpConnection,
  response: DetachableResponse,
  listeners: ConnectionListeners,
): boolean {
  const parser = socket.parser;
  if (freeParser === undefined || parser == null || socket._httpMessage !== response) return false;
  const found: [string, (...args: unknown[]) => void][] = [];
  for (const [event, name] of NODE_LISTENERS) {
    const listener = socket.listeners(event).find((candidate) => candidate.name === name);
    if (listener === undefined) return false;
    found.push([event, listener as (...args: unknown[]) => void]);
  }
  for (const [event, listener] of found) socket.removeListener(event, listener);
  // node:http's upgrade path, in its order: stop feeding the parser, finish it, free it.
  if (parser._consumed === true) {
    parser.unconsume();
    parser._consumed = false;
  }
  parser.finish();
  freeParser(parser, parser.incoming, socket);
  response.detachSocket(socket);
  // The first `on` after the parser is gone also puts back the socket's own `on`, which node:http
  // had wrapped per connection.
  socket.on('data', listeners.data);
  socket.on('end', listeners.end);
  socket.on('close', listeners.close);
  socket.on('error', listeners.error);
  // Read on, so that a client's FIN is seen (what it sends is dropped: see `listeners.data`).
  socket.resume();
  const server = socket.server;
  if (server !== undefined) {
    const sockets = takenOverByServer.get(server) ?? new Set<Socket>();
    takenOverByServer.set(server, sockets);
    sockets.add(socket);
  }
  return true;
}

/** Forgets a taken-over connection that closed. */
export function releaseConnection(socket: HttpConnection): void {
  const server = socket.server;
  if (server !== undefined) takenOverByServer.get(server)?.delete(socket);
}

/**
 * Destroys the connections event streams took over from `server`'s node:http, which
 * `server.closeAllConnections()` no longer sees. Call both when a shutdown's grace is over.
 */
export function closeTakenOverConnections(server: object): void {
  const sockets = takenOverByServer.get(server);
  if (sockets === undefined) return;
  for (const socket of [...sockets]) socket.destroy();
  sockets.clear();
}

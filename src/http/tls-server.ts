import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2Session } from 'node:http2';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { closeTakenOverConnections } from '../server/index.js';
import type { HeraldHub } from './create-hub.js';
import {
  type EdgeGuardOptions,
  guardEdge,
  HTTP2_MAX_CONCURRENT_STREAMS,
  TLS_HANDSHAKE_TIMEOUT_MS,
} from './edge.js';

export interface TlsFiles {
  /** PEM certificate chain file. */
  certPath: string;
  /** PEM private key file. */
  keyPath: string;
}

/** A certificate chain and its private key, read and checked to belong together. */
export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/**
 * Reads the two PEM files and checks that they make a TLS context (the key matches the
 * certificate): throws an error naming the file or the mismatch, so that a renewal gone wrong is
 * refused before anything changes.
 */
export function loadTlsCredentials(files: TlsFiles): TlsCredentials {
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`cannot read the TLS ${what} ${path}: ${(error as Error).message}`);
    }
  };
  const credentials = { cert: read('certificate', files.certPath), key: read('key', files.keyPath) };
  try {
    createSecureContext(credentials);
  } catch (error) {
    // OpenSSL's reason ("key values mismatch", "no start line"), never the files' content.
    throw new Error(
      `the TLS certificate ${files.certPath} and key ${files.keyPath} are unusable together: ${(error as Error).message}`,
    );
  }
  return credentials;
}

/** A listening-ready server for a hub, and how to cut its open connections at shutdown. */
export interface HubServer {
  readonly server: Server | Http2SecureServer;
  /** Whether it speaks TLS (HTTP/2 and HTTP/1.1 by ALPN). */
  readonly isSecure: boolean;
  /**
   * Serves new TLS connections with this certificate and key (a renewal, `setSecureContext`); open
   * connections and their streams keep theirs. Throws on a server without TLS.
   */
  setTlsCredentials(credentials: TlsCredentials): void;
  /** Ends every open connection and HTTP/2 session (after the hub told its subscribers to go). */
  closeAllConnections(): void;
  /**
   * Stops accepting and closes connections the polite way: idle HTTP/1.1 sockets end after their
   * last response is flushed, HTTP/2 sessions send GOAWAY and close once their streams are done.
   * Resolves when every connection is gone, or after `timeoutMs`, when the rest are cut. Call it
   * after the hub ended its streams, so subscribers read their retry hint and a clean end rather
   * than a reset.
   */
  close(timeoutMs: number): Promise<void>;
}

/** `createHubServer`'s knobs (defaults suit production; tests shorten the timeout). */
export interface HubServerOptions {
  /** How long a new connection may take to send its first request's headers (default 10 s): 408 past it. */
  headersTimeoutMs?: number;
}

/**
 * Answers malformed requests (400, 414, 431) and late headers (408) instead of dropping the
 * connection, and counts connections still sending their headers against the hub's connection caps
 * (429 past them). The guard's sweep stops when the server closes.
 */
function guardHubEdge(
  server: Server | Http2SecureServer,
  herald: Pick<HeraldHub, 'acquireConnection' | 'trustedProxies'>,
  options: HubServerOptions,
): void {
  const guard: EdgeGuardOptions = {
    acquire: herald.acquireConnection,
    // The hub's holder, which a reload refills: the guard asks it per connection.
    trustedProxies: herald.trustedProxies,
  };
  if (options.headersTimeoutMs !== undefined) guard.headersTimeoutMs = options.headersTimeoutMs;
  server.once('close', guardEdge(server, guard));
}

/** `server.close()` resolves once every connection closed; past `timeoutMs`, `cut()` ends the rest. */
function closeWithin(server: Server | Http2SecureServer, timeoutMs: number, cut: () => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      cut();
      resolve();
    }, timeoutMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Without TLS: `node:http` (HTTP/1.1). With TLS: one port serving HTTP/2 and HTTP/1.1, chosen by
 * ALPN. HTTP/2 matters for browsers: over HTTP/1.1 they allow 6 connections per origin, and each
 * open EventSource holds one, so a 7th tab or stream stalls; HTTP/2 multiplexes them all on one
 * connection (100+ streams). The same `handleNode` serves both through the compatibility API.
 * Either way the edge is guarded (`guardEdge`): a malformed request gets 400, 414 or 431, headers
 * late past `options.headersTimeoutMs` get 408, and connections still sending their headers count
 * against the hub's connection caps (429 past them), as its subscriptions do.
 */
export function createHubServer(
  herald: HeraldHub,
  tls?: TlsFiles,
  options: HubServerOptions = {},
): HubServer {
  if (tls === undefined) {
    const server = createHttpServer(herald.handleNode);
    guardHubEdge(server, herald, options);
    const closeAllConnections = () => {
      server.closeAllConnections();
      // Event streams that took their connection over (`takeOverConnections`) left node:http's list.
      closeTakenOverConnections(server);
    };
    return {
      server,
      isSecure: false,
      setTlsCredentials() {
        throw new Error('this server speaks no TLS: serving a certificate needs a restart');
      },
      closeAllConnections,
      close(timeoutMs) {
        const closed = closeWithin(server, timeoutMs, closeAllConnections);
        server.closeIdleConnections();
        return closed;
      },
    };
  }
  const server = createSecureServer(
    // A handshake that does not finish is cut (the edge guard bounds the headers after it).
    {
      allowHTTP1: true,
      handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
      settings: { maxConcurrentStreams: HTTP2_MAX_CONCURRENT_STREAMS },
      ...loadTlsCredentials(tls),
    },
    herald.handleNode,
  );
  // Http2SecureServer has no closeAllConnections: track HTTP/2 sessions and the TLS sockets that
  // fell back to HTTP/1.1 ourselves.
  const sessions = new Set<Http2Session>();
  const sockets = new Set<TLSSocket>();
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  guardHubEdge(server, herald, options);
  // A failed handshake: drop that connection, keep serving the others (a malformed HTTP/1.1
  // request after the handshake is answered by the edge guard).
  server.on('tlsClientError', () => {});
  server.on('sessionError', () => {});
  const closeAllConnections = () => {
    for (const session of sessions) session.destroy();
    for (const socket of sockets) socket.destroy();
  };
  return {
    server,
    isSecure: true,
    // The ALPN list (h2, http/1.1) is the server's, not the context's: it survives the swap.
    setTlsCredentials: (credentials) => server.setSecureContext({ ...credentials }),
    closeAllConnections,
    close(timeoutMs) {
      const closed = closeWithin(server, timeoutMs, closeAllConnections);
      for (const session of sessions) session.close();
      // HTTP/1.1 over TLS: the hub ended their responses; end the sockets once those are written.
      for (const socket of sockets) if (socket.alpnProtocol !== 'h2') socket.end();
      return closed;
    },
  };
}

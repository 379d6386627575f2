import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { HeraldHub } from './create-hub.js';

export interface TlsFiles {
  /** PEM certificate chain file. */
  certPath: string;
  /** PEM private key file. */
  keyPath: string;
}

/** A listening-ready server for a hub, and how to cut its open connections at shutdown. */
export interface HubServer {
  readonly server: Server | Http2SecureServer;
  /** Whether it speaks TLS (HTTP/2 and HTTP/1.1 by ALPN). */
  readonly isSecure: boolean;
  /** Ends every open connection and HTTP/2 session (after the hub told its subscribers to go). */
  closeAllConnections(): void;
}

/**
 * Without TLS: `node:http` (HTTP/1.1). With TLS: one port serving HTTP/2 and HTTP/1.1, chosen by
 * ALPN. HTTP/2 matters for browsers: over HTTP/1.1 they allow 6 connections per origin, and each
 * open EventSource holds one, so a 7th tab or stream stalls; HTTP/2 multiplexes them all on one
 * connection (100+ streams). The same `handleNode` serves both through the compatibility API.
 */
export function createHubServer(herald: HeraldHub, tls?: TlsFiles): HubServer {
  if (tls === undefined) {
    const server = createHttpServer(herald.handleNode);
    server.on('clientError', (_error, socket) => socket.destroy());
    return { server, isSecure: false, closeAllConnections: () => server.closeAllConnections() };
  }
  const server = createSecureServer(
    { allowHTTP1: true, cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) },
    herald.handleNode,
  );
  // Http2SecureServer has no closeAllConnections: track HTTP/2 sessions and the TLS sockets that
  // fell back to HTTP/1.1 ourselves.
  const sessions = new Set<Http2Session>();
  const sockets = new Set<Socket>();
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A failed handshake or a malformed request: drop that connection, keep serving the others.
  server.on('tlsClientError', () => {});
  server.on('sessionError', () => {});
  return {
    server,
    isSecure: true,
    closeAllConnections() {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    },
  };
}

/**
 * Real servers for tests: listen on a loopback port the OS picks (port 0, so parallel test files
 * never collide), and close without waiting for event streams, which never end by themselves.
 */
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { HeraldHub } from '../../src/http/index.js';
import { closeTakenOverConnections } from '../../src/server/index.js';

export interface LoopbackServer {
  server: Server;
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

/** Starts `server` listening on 127.0.0.1 with an OS-chosen port; resolves that port. */
export async function listenOnLoopback(server: NetServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/**
 * Drops every open connection (open event streams would hold `close` forever), those event
 * streams took over from node:http included, then closes.
 */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  closeTakenOverConnections(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A node:http server running `listener` on a loopback port chosen by the OS. */
export async function serveOnLoopback(listener: RequestListener): Promise<LoopbackServer> {
  const server = createServer(listener);
  const port = await listenOnLoopback(server);
  return { server, url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

/** A hub served on loopback; `close` closes the hub (ending its streams), then the server. */
export interface ServedHub extends LoopbackServer {
  herald: HeraldHub;
}

/**
 * Serves `herald` (`createHub`'s result) on a loopback port; `cleanup` runs after both are
 * closed (a temporary directory to remove, say).
 */
export async function serveHub(herald: HeraldHub, cleanup?: () => void): Promise<ServedHub> {
  const { server, url, close } = await serveOnLoopback(herald.handleNode);
  return {
    herald,
    server,
    url,
    async close() {
      await herald.close();
      await close();
      cleanup?.();
    },
  };
}

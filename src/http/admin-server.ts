import { createServer, type Server } from 'node:http';
import type { HeraldHub } from './create-hub.js';

/**
 * The admin listener (`herald serve --admin-port`): plain `node:http` serving `/healthz`,
 * `/readyz` and `/metrics` of the hub (`handleAdmin`), meant for a private address that probes
 * and Prometheus reach and the public does not. Close it with `server.close()` after the hub.
 */
export function createAdminServer(herald: Pick<HeraldHub, 'handleAdmin'>): Server {
  const server = createServer(herald.handleAdmin);
  server.on('clientError', (_error, socket) => socket.destroy());
  return server;
}

import { createServer, type Server } from 'node:http';
import type { HeraldHub } from './create-hub.js';
import { guardEdge } from './edge.js';

/**
 * The admin listener (`herald serve --admin-port`): plain `node:http` serving `/healthz`,
 * `/readyz` and `/metrics` of the hub (`handleAdmin`), meant for a private address that probes
 * and Prometheus reach and the public does not. Close it with `server.close()` after the hub.
 * A malformed or late request is answered (`guardEdge`), not dropped.
 */
export function createAdminServer(herald: Pick<HeraldHub, 'handleAdmin'>): Server {
  const server = createServer(herald.handleAdmin);
  // 400 / 414 / 431 / 408 answers and the headers timeout; no caps: the address is private.
  server.once('close', guardEdge(server));
  return server;
}

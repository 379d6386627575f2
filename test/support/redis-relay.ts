/**
 * A TCP relay to Redis that a test can cut and restore, standing in for Redis going down: clients
 * connect to the relay's URL, and each connection is piped to the Redis of `redisUrl`.
 */
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

export interface RedisRelay {
  /** The relay's `redis://127.0.0.1:<port>/<db>` (the database of the target URL). */
  url: string;
  /** Stops listening and destroys every connection; resolves once the relay is closed. */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  /** Connections stay up, but nothing sent to Redis reaches it (a stalled server, a half-open socket). */
  stall(): void;
  /** Relays what the clients send to Redis again, after `stall`. */
  resume(): void;
}

export interface RedisRelayOptions {
  /**
   * When either side of a connection closes, destroy both (the client sees its connection drop as
   * soon as Redis's does). Without it, the piping alone ends the other side.
   */
  destroysBothSides?: boolean;
}

/** Starts a relay on a loopback port the OS picks, to the Redis at `redisUrl`. */
export async function startRedisRelay(
  redisUrl: string,
  options: RedisRelayOptions = {},
): Promise<RedisRelay> {
  const target = new URL(redisUrl);
  const sockets = new Set<Socket>();
  /** Each client socket and its connection to Redis. */
  const links = new Map<Socket, Socket>();
  const start = (port: number) =>
    new Promise<Server>((resolve) => {
      const server = createServer((client) => {
        const upstream = connect(Number(target.port || 6379), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', () => {});
          socket.on('close', () => {
            sockets.delete(socket);
            if (options.destroysBothSides) {
              client.destroy();
              upstream.destroy();
            }
          });
        }
        links.set(client, upstream);
        client.on('close', () => links.delete(client));
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  let server = await start(0);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${port}${target.pathname}`,
    cut: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    restore: async () => {
      server = await start(port);
    },
    stall: () => {
      for (const [client, upstream] of links) client.unpipe(upstream);
    },
    resume: () => {
      for (const [client, upstream] of links) client.pipe(upstream);
    },
  };
}

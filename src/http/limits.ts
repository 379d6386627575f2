import { HttpError } from './errors.js';

export interface ConnectionLimits {
  /** Open subscriptions (all transports) at once; and, counted apart, unfinished connections. */
  maxConnections: number;
  /** Open subscriptions from one client address; and, counted apart, its unfinished connections. */
  maxConnectionsPerIp: number;
}

/** What a ledger answers past a cap: one message for the total, one for an address. */
interface Refusals {
  readonly total: [code: string, message: string];
  readonly perIp: [code: string, message: string];
}

/** Connections counted in total and per address, each taken slot handed back once. */
class Ledger {
  #total = 0;
  readonly #perIp = new Map<string, number>();

  constructor(readonly refusals: Refusals) {}

  get total(): number {
    return this.#total;
  }

  take(ip: string, limits: ConnectionLimits): () => void {
    const fromIp = this.#perIp.get(ip) ?? 0;
    if (this.#total >= limits.maxConnections) throw tooMany(this.refusals.total);
    if (fromIp >= limits.maxConnectionsPerIp) throw tooMany(this.refusals.perIp);
    this.#total++;
    this.#perIp.set(ip, fromIp + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = (this.#perIp.get(ip) ?? 1) - 1;
      if (left <= 0) this.#perIp.delete(ip);
      else this.#perIp.set(ip, left);
    };
  }
}

const tooMany = ([code, message]: [string, string]) =>
  new HttpError(429, code, message, { 'retry-after': '5' });

/**
 * Counts open long-lived connections, in total and per client address. A denial-of-service guard:
 * each subscriber costs a socket and a queue, so past the caps new ones get 429.
 *
 * Connections that have not finished their first request's headers (a slowloris client holds
 * sockets that way) are counted against the same caps, in a count of their own: a client at its
 * subscription cap can still open a connection to publish, and one address holds at most
 * `maxConnectionsPerIp` subscriptions plus as many unfinished connections.
 */
export class ConnectionLimiter {
  #limits: ConnectionLimits;
  readonly #subscriptions = new Ledger({
    total: ['TOO_MANY_CONNECTIONS', 'the hub has too many open connections'],
    perIp: ['TOO_MANY_CONNECTIONS_PER_IP', 'too many open connections from this address'],
  });
  readonly #unfinished = new Ledger({
    total: [
      'TOO_MANY_UNFINISHED_CONNECTIONS',
      'the hub has too many connections still sending their headers',
    ],
    perIp: [
      'TOO_MANY_UNFINISHED_CONNECTIONS_PER_IP',
      'too many connections from this address are still sending their headers',
    ],
  });

  constructor(limits: ConnectionLimits) {
    this.#limits = { maxConnections: limits.maxConnections, maxConnectionsPerIp: limits.maxConnectionsPerIp };
  }

  /** Open subscriptions. */
  get total(): number {
    return this.#subscriptions.total;
  }

  /** Connections holding a slot taken by `acquireUnfinished`. */
  get unfinished(): number {
    return this.#unfinished.total;
  }

  /**
   * New caps for the connections that come next (a configuration reload). Open connections are
   * never cut: past a lowered cap, new ones are refused until enough of them ended.
   */
  reconfigure(limits: ConnectionLimits): void {
    this.#limits = { maxConnections: limits.maxConnections, maxConnectionsPerIp: limits.maxConnectionsPerIp };
  }

  /** Takes one subscription slot or throws 429; returns the function that gives it back (idempotent). */
  acquire(ip: string): () => void {
    return this.#subscriptions.take(ip, this.#limits);
  }

  /**
   * Takes one slot for a connection still sending its first request's headers, or throws 429;
   * returns the function that gives it back (idempotent), once the headers are in or it closed.
   */
  acquireUnfinished(ip: string): () => void {
    return this.#unfinished.take(ip, this.#limits);
  }
}

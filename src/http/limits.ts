import { HttpError } from './errors.js';

export interface ConnectionLimits {
  /** Open subscriptions (all transports) at once. */
  maxConnections: number;
  /** Open subscriptions from one client address. */
  maxConnectionsPerIp: number;
}

/**
 * Counts open long-lived connections, in total and per client address. A denial-of-service guard:
 * each subscriber costs a socket and a queue, so past the caps new ones get 429.
 */
export class ConnectionLimiter {
  #limits: ConnectionLimits;
  #total = 0;
  #perIp = new Map<string, number>();

  constructor(limits: ConnectionLimits) {
    this.#limits = { maxConnections: limits.maxConnections, maxConnectionsPerIp: limits.maxConnectionsPerIp };
  }

  get total(): number {
    return this.#total;
  }

  /**
   * New caps for the connections that come next (a configuration reload). Open connections are
   * never cut: past a lowered cap, new ones are refused until enough of them ended.
   */
  reconfigure(limits: ConnectionLimits): void {
    this.#limits = { maxConnections: limits.maxConnections, maxConnectionsPerIp: limits.maxConnectionsPerIp };
  }

  /** Takes one slot or throws 429; returns the function that gives it back (idempotent). */
  acquire(ip: string): () => void {
    const fromIp = this.#perIp.get(ip) ?? 0;
    if (this.#total >= this.#limits.maxConnections) {
      throw new HttpError(429, 'TOO_MANY_CONNECTIONS', 'the hub has too many open connections', {
        'retry-after': '5',
      });
    }
    if (fromIp >= this.#limits.maxConnectionsPerIp) {
      throw new HttpError(429, 'TOO_MANY_CONNECTIONS_PER_IP', 'too many open connections from this address', {
        'retry-after': '5',
      });
    }
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

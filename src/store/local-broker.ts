/**
 * The Broker for a single hub process: `publish` hands the event to every listener synchronously,
 * in subscription order, before its promise is returned. Across processes the Redis broker takes
 * this role.
 *
 * Delivery follows publish order, which the hub makes cursor order. A publish made from inside a
 * listener (a relay) is queued and dispatched once the current event has reached every listener:
 * dispatching it at once would hand the listeners after the relay the newer event first, and a
 * subscriber drops an event older than one it already sent, i.e. skips it.
 */
import type { Broker, StoredEvent } from '../hub/index.js';
import { closedError } from './errors.js';
import { type Listener, type ListenerErrorHandler, Listeners } from './listeners.js';

export interface LocalBrokerOptions {
  /**
   * Told about a listener that threw. The other listeners still get the event: one broken
   * subscriber path must not starve the rest. Default: a process warning.
   */
  onListenerError?: ListenerErrorHandler | undefined;
}

export class LocalBroker implements Broker {
  readonly #listeners: Listeners;
  /** Events published by listeners during the current dispatch, in publish order. */
  readonly #published: StoredEvent[] = [];
  #isDispatching = false;
  #isClosed = false;

  constructor(options: LocalBrokerOptions = {}) {
    this.#listeners = new Listeners(options.onListenerError);
  }

  publish(event: StoredEvent): Promise<void> {
    if (this.#isClosed) return Promise.reject(closedError('The broker'));
    if (this.#isDispatching) {
      // Reached from a listener: the outer publish delivers it, before its caller resumes.
      this.#published.push(event);
      return Promise.resolve();
    }
    this.#isDispatching = true;
    try {
      this.#listeners.dispatch(event);
      // Indexed, not iterated: listeners may publish more while we go.
      for (let i = 0; i < this.#published.length; i++) this.#listeners.dispatch(this.#published[i]!);
    } finally {
      this.#published.length = 0;
      this.#isDispatching = false;
    }
    return Promise.resolve();
  }

  subscribe(listener: Listener): () => void {
    if (this.#isClosed) throw closedError('The broker');
    return this.#listeners.add(listener);
  }

  /** In-process: ready until closed. */
  async ping(): Promise<void> {
    if (this.#isClosed) throw closedError('The broker');
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    this.#listeners.clear();
  }
}

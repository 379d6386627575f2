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

type Listener = (event: StoredEvent) => void;

export interface LocalBrokerOptions {
  /**
   * Told about a listener that threw. The other listeners still get the event: one broken
   * subscriber path must not starve the rest. Default: a process warning.
   */
  onListenerError?: ((error: unknown, event: StoredEvent) => void) | undefined;
}

export class LocalBroker implements Broker {
  /**
   * Replaced, never mutated (copy on write): a listener that subscribes or unsubscribes during a
   * dispatch does not change who gets the current event, and `publish`, the hot path, copies nothing.
   */
  #listeners: readonly Listener[] = [];
  readonly #onListenerError: (error: unknown, event: StoredEvent) => void;
  /** Events published by listeners during the current dispatch, in publish order. */
  readonly #published: StoredEvent[] = [];
  #isDispatching = false;
  #isClosed = false;

  constructor(options: LocalBrokerOptions = {}) {
    this.#onListenerError = options.onListenerError ?? warnListenerError;
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
      this.#dispatch(event);
      // Indexed, not iterated: listeners may publish more while we go.
      for (let i = 0; i < this.#published.length; i++) this.#dispatch(this.#published[i]!);
    } finally {
      this.#published.length = 0;
      this.#isDispatching = false;
    }
    return Promise.resolve();
  }

  #dispatch(event: StoredEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }

  subscribe(listener: Listener): () => void {
    if (this.#isClosed) throw closedError('The broker');
    // A wrapper gives each subscription its own identity, so subscribing one function twice
    // yields two registrations that unsubscribe independently.
    const registration: Listener = (event) => listener(event);
    this.#listeners = [...this.#listeners, registration];
    return () => {
      this.#listeners = this.#listeners.filter((candidate) => candidate !== registration);
    };
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    this.#listeners = [];
  }
}

function warnListenerError(error: unknown, event: StoredEvent): void {
  const reason = error instanceof Error ? error.message : String(error);
  process.emitWarning(
    `A broker listener threw on event ${JSON.stringify(event.id)}: ${reason}`,
    'HeraldBrokerWarning',
  );
}

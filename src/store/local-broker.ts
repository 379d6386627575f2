/**
 * The Broker for a single hub process: `publish` hands the event to every listener synchronously,
 * in subscription order, before its promise is returned. Across processes the Redis broker takes
 * this role.
 */
import type { Broker, StoredEvent } from '../hub/ports.js';
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
  #isClosed = false;

  constructor(options: LocalBrokerOptions = {}) {
    this.#onListenerError = options.onListenerError ?? warnListenerError;
  }

  publish(event: StoredEvent): Promise<void> {
    if (this.#isClosed) return Promise.reject(closedError('The broker'));
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
    return Promise.resolve();
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

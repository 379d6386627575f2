import type { StoredEvent } from '../hub/index.js';

export type Listener = (event: StoredEvent) => void;

/** Told about a listener that threw; the other listeners still get the event. */
export type ListenerErrorHandler = (error: unknown, event: StoredEvent) => void;

/**
 * The listeners of a broker (local or Redis), and the one loop that hands them an event. The array
 * is replaced, never mutated (copy on write): a listener that subscribes or unsubscribes during a
 * dispatch does not change who gets the current event, and the dispatch, the hot path, copies
 * nothing. A listener that throws is reported and the rest still get the event: one broken
 * subscriber path must not starve the others.
 */
export class Listeners {
  #listeners: readonly Listener[] = [];
  readonly #onError: ListenerErrorHandler;

  constructor(onError: ListenerErrorHandler | undefined) {
    this.#onError = onError ?? warnListenerError;
  }

  /** Adds a listener; returns the function that removes it. */
  add(listener: Listener): () => void {
    // A wrapper gives each subscription its own identity, so subscribing one function twice
    // yields two registrations that unsubscribe independently.
    const registration: Listener = (event) => listener(event);
    this.#listeners = [...this.#listeners, registration];
    return () => {
      this.#listeners = this.#listeners.filter((candidate) => candidate !== registration);
    };
  }

  dispatch(event: StoredEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#onError(error, event);
      }
    }
  }

  clear(): void {
    this.#listeners = [];
  }
}

/** The default `ListenerErrorHandler`: a process warning. */
function warnListenerError(error: unknown, event: StoredEvent): void {
  const reason = error instanceof Error ? error.message : String(error);
  process.emitWarning(
    `A broker listener threw on event ${JSON.stringify(event.id)}: ${reason}`,
    'HeraldBrokerWarning',
  );
}

import type { ConnectionErrorEvent } from './events.js';

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSED = 2;
export type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSED;

type HandlerType = 'open' | 'message' | 'error';

/**
 * The events of an `EventSource` by type, as lib.dom's `EventSourceEventMap`; `error` is the
 * `ConnectionErrorEvent` every error event is (a listener typed for `Event` still fits).
 */
export interface EventSourceEventMap {
  open: Event;
  message: MessageEvent<string>;
  error: ConnectionErrorEvent;
}

type Listener<T, E> = ((this: T, event: E) => unknown) | { handleEvent(event: E): unknown };
type ListenerOptions = boolean | AddEventListenerOptions;
/** What the implementations accept: every overload's listener (`never`: any event type fits). */
type AnyListener = Listener<never, never> | EventListenerOrEventListenerObject | null;

export type EventHandler = ((this: EventSourceTarget, event: Event) => unknown) | null;
/** Typed like the DOM's, so that code written for the native EventSource compiles unchanged. */
export type MessageHandler = ((this: EventSourceTarget, event: MessageEvent<string>) => unknown) | null;

/**
 * The parts of the `EventSource` interface that do not depend on how events arrive: the readyState
 * constants and the `onopen`/`onmessage`/`onerror` handler attributes. Shared by `EventSource` and
 * `SharedEventSource`.
 */
export class EventSourceTarget extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSED = CLOSED;
  declare readonly CONNECTING: typeof CONNECTING;
  declare readonly OPEN: typeof OPEN;
  declare readonly CLOSED: typeof CLOSED;

  readonly #handlers: Record<HandlerType, EventHandler | MessageHandler> = {
    open: null,
    message: null,
    error: null,
  };

  // Overloads as lib.dom's EventSource: known types get their event type, any other type (a
  // custom `event:` name) a MessageEvent, and a plain EventListener is always accepted.
  override addEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: Listener<this, EventSourceEventMap[K]>,
    options?: ListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: Listener<this, MessageEvent<string>>,
    options?: ListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: ListenerOptions,
  ): void;
  override addEventListener(type: string, listener: AnyListener, options?: ListenerOptions): void {
    super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  override removeEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: Listener<this, EventSourceEventMap[K]>,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: Listener<this, MessageEvent<string>>,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: AnyListener,
    options?: boolean | EventListenerOptions,
  ): void {
    super.removeEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  get onopen(): EventHandler {
    return this.#handlers.open as EventHandler;
  }
  set onopen(handler: EventHandler) {
    this.#setHandler('open', handler);
  }
  get onmessage(): MessageHandler {
    return this.#handlers.message as MessageHandler;
  }
  set onmessage(handler: MessageHandler) {
    this.#setHandler('message', handler);
  }
  get onerror(): EventHandler {
    return this.#handlers.error as EventHandler;
  }
  set onerror(handler: EventHandler) {
    this.#setHandler('error', handler);
  }

  // An event handler attribute is one listener that assigning replaces (HTML "event handlers").
  #setHandler(type: HandlerType, handler: EventHandler | MessageHandler): void {
    const previous = this.#handlers[type];
    if (previous !== null) this.removeEventListener(type, previous as EventListener);
    this.#handlers[type] = typeof handler === 'function' ? handler : null;
    if (typeof handler === 'function') this.addEventListener(type, handler as EventListener);
  }
}

for (const [name, value] of [
  ['CONNECTING', CONNECTING],
  ['OPEN', OPEN],
  ['CLOSED', CLOSED],
] as const) {
  Object.defineProperty(EventSourceTarget.prototype, name, { value, enumerable: true });
}

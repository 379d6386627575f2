import { EventSource } from './event-source.js';
import { CLOSED, CONNECTING, EventSourceTarget, OPEN, type ReadyState } from './event-source-target.js';
import {
  type ConnectionErrorCode,
  ConnectionErrorEvent,
  createMessageEvent,
  type MessageInit,
} from './events.js';
import type { EventSourceOptions } from './options.js';

/** The part of the Web Locks API used here (`navigator.locks`). */
export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void>): Promise<unknown>;
}

/** The part of `BroadcastChannel` used here. */
export interface ChannelLike {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

export interface SharedEventSourceOptions extends EventSourceOptions {
  /** Sources with the same name (in tabs of one origin) share one connection. Default `herald:<url>`. */
  name?: string | undefined;
  /** Default `navigator.locks`. Without locks (Node, old browsers) the source connects on its own. */
  locks?: LockManagerLike | undefined;
  /** Default `new BroadcastChannel(name)`. */
  createChannel?: ((name: string) => ChannelLike) | undefined;
}

/** What tabs say to each other. `epoch` names one leadership (one leader's connection). */
type SharedMessage =
  | { kind: 'event'; epoch: string; type: string; init: MessageInit }
  | { kind: 'state'; epoch: string; readyState: ReadyState; errorCode?: ConnectionErrorCode | undefined }
  | { kind: 'cursor'; lastEventId: string }
  | { kind: 'hello' };

/** Ids remembered for deduplication; a takeover replays at most the events the new leader missed. */
const REMEMBERED_IDS = 1024;

/**
 * An `EventSource` whose tabs (same origin, same `name`) share one connection: HTTP/1.1 allows 6
 * connections per origin, so the 7th tab of a page holding a stream each would stall.
 *
 * Leader election uses a Web Lock: the tab holding it runs the connection and broadcasts each event
 * (with its id) on a `BroadcastChannel`; the others wait for the lock. When the leader's tab
 * closes, the browser releases its lock and the next tab takes over, reconnecting from the last
 * event id it saw. A tab drops an event whose id it already saw under another leadership, so the
 * overlap of a takeover is neither lost nor doubled. Events without ids cannot be deduplicated.
 *
 * Without `navigator.locks` (Node) it is a plain connection with the same interface.
 */
export class SharedEventSource extends EventSourceTarget {
  readonly #url: string;
  readonly #withCredentials: boolean;
  readonly #options: SharedEventSourceOptions;
  readonly #seen = new Map<string, string>();
  readonly #stop = new AbortController();
  #channel: ChannelLike | undefined;
  #readyState: ReadyState = CONNECTING;
  #lastEventId: string;
  #leaderEpoch: string | undefined;
  #inner: EventSource | undefined;
  #resign: (() => void) | undefined;

  constructor(url: string | URL, options: SharedEventSourceOptions = {}) {
    super();
    const location = (globalThis as { location?: { href: string } }).location;
    this.#url = new URL(String(url), location?.href).href;
    this.#withCredentials = options.withCredentials === true;
    this.#options = options;
    this.#lastEventId = options.lastEventId ?? '';
    const name = options.name ?? `herald:${this.#url}`;
    const locks =
      options.locks ?? (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
    const createChannel =
      options.createChannel ??
      (typeof BroadcastChannel === 'function'
        ? (channelName: string) => new BroadcastChannel(channelName)
        : undefined);
    if (locks === undefined || createChannel === undefined) {
      queueMicrotask(() => void this.#lead());
      return;
    }
    const channel = createChannel(name);
    this.#channel = channel;
    channel.onmessage = (event) => this.#onShared(event.data as SharedMessage);
    channel.postMessage({ kind: 'hello' } satisfies SharedMessage);
    locks.request(name, { signal: this.#stop.signal }, () => this.#lead()).catch(() => {});
  }

  get url(): string {
    return this.#url;
  }

  get withCredentials(): boolean {
    return this.#withCredentials;
  }

  get readyState(): ReadyState {
    return this.#readyState;
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Whether this tab holds the connection. */
  get isLeader(): boolean {
    return this.#inner !== undefined;
  }

  close(): void {
    if (this.#readyState === CLOSED) return;
    this.#readyState = CLOSED;
    this.#shutDown();
  }

  #shutDown(): void {
    this.#inner?.close();
    this.#inner = undefined;
    this.#resign?.(); // releases the lock: the next tab takes over
    this.#stop.abort(); // withdraws a pending lock request
    this.#channel?.close();
  }

  /** Runs while this tab holds the lock; resolves (releasing it) on close. */
  #lead(): Promise<void> {
    if (this.#readyState === CLOSED) return Promise.resolve();
    const epoch = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    this.#leaderEpoch = epoch;
    const { onAnyMessage, onCursor } = this.#options;
    const inner = new EventSource(this.#url, {
      ...this.#options,
      // Resume where this tab's view of the stream ends (it saw the last leader's broadcasts).
      lastEventId: this.#lastEventId,
      onAnyMessage: (type, init) => {
        onAnyMessage?.(type, init);
        this.#post({ kind: 'event', epoch, type, init });
        this.#deliver(epoch, type, init);
      },
      // A cursor without an event (the hub's `Last-Event-ID` response header, a poll's cursor):
      // without it, a leader that closes before the first event leaves the next one to resume
      // from nothing, and what was published in between is lost.
      onCursor: (lastEventId) => {
        onCursor?.(lastEventId);
        this.#post({ kind: 'cursor', lastEventId });
        this.#lastEventId = lastEventId;
      },
    });
    inner.addEventListener('open', () => this.#leaderState(epoch, inner.readyState));
    inner.addEventListener('error', (event) => {
      const code = event instanceof ConnectionErrorEvent ? event.code : undefined;
      this.#leaderState(epoch, inner.readyState, code ?? 'NETWORK');
    });
    this.#inner = inner;
    return new Promise((resolve) => {
      this.#resign = resolve;
    });
  }

  #leaderState(epoch: string, readyState: ReadyState, errorCode?: ConnectionErrorCode): void {
    this.#post({ kind: 'state', epoch, readyState, errorCode });
    this.#applyState(readyState, errorCode);
  }

  #onShared(message: SharedMessage): void {
    if (this.#readyState === CLOSED) return;
    if (message.kind === 'hello') {
      // A new tab: tell it where the connection stands.
      const epoch = this.#leaderEpoch;
      if (this.#inner !== undefined && epoch !== undefined) {
        this.#post({ kind: 'state', epoch, readyState: this.#readyState });
        const lastEventId = this.#lastEventId;
        if (lastEventId !== '') this.#post({ kind: 'cursor', lastEventId });
      }
    } else if (message.kind === 'event') {
      this.#deliver(message.epoch, message.type, message.init);
    } else if (this.#inner !== undefined) {
      // The leader's own view is authoritative.
    } else if (message.kind === 'cursor') {
      this.#lastEventId = message.lastEventId;
    } else {
      this.#leaderEpoch = message.epoch;
      this.#applyState(message.readyState, message.errorCode);
    }
  }

  #applyState(readyState: ReadyState, errorCode: ConnectionErrorCode | undefined): void {
    if (this.#readyState === CLOSED) return;
    const wasOpen = this.#readyState === OPEN;
    this.#readyState = readyState;
    if (errorCode !== undefined) {
      // The leader failed for good (e.g. 204): every tab is done.
      if (readyState === CLOSED) this.#shutDown();
      this.dispatchEvent(new ConnectionErrorEvent(errorCode, readyState !== CLOSED));
    } else if (readyState === OPEN && !wasOpen) {
      this.dispatchEvent(new Event('open'));
    }
  }

  #deliver(epoch: string, type: string, init: MessageInit): void {
    if (this.#readyState === CLOSED) return;
    const id = init.lastEventId;
    if (id !== '') {
      // Seen under another leadership: a takeover's replay (or a late broadcast of the old leader).
      const firstEpoch = this.#seen.get(id);
      if (firstEpoch !== undefined && firstEpoch !== epoch) return;
      if (firstEpoch === undefined) this.#remember(id, epoch);
    }
    this.#lastEventId = id;
    this.dispatchEvent(createMessageEvent(type, init));
  }

  #remember(id: string, epoch: string): void {
    this.#seen.set(id, epoch);
    if (this.#seen.size > REMEMBERED_IDS) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }

  #post(message: SharedMessage): void {
    if (this.#readyState !== CLOSED) this.#channel?.postMessage(message);
  }
}

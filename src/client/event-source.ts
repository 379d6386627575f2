import { EventStreamParser, type ParsedEvent, SseError } from '../sse/index.js';
import { reconnectDelayMs } from './backoff.js';
import { utf8ByteString, utf8FromByteString } from './byte-string.js';
import { ClockOffsetEstimator } from './clock-offset.js';
import type { ConnectionHandlers, ConnectionRequest } from './connection.js';
import { CLOSED, CONNECTING, EventSourceTarget, OPEN, type ReadyState } from './event-source-target.js';
import { type ConnectionErrorCode, ConnectionErrorEvent, createMessageEvent } from './events.js';
import {
  type EventSourceOptions,
  type ResolvedOptions,
  resolveOptions,
  type TransportName,
  watchdogDelayMs,
} from './options.js';
import { pollUrl, runPoll } from './poll-connection.js';
import { runSseConnection } from './sse-connection.js';

/**
 * The reconnection time before any `retry:` field: "an implementation-defined value, probably in
 * the region of a few seconds". 3000 ms is what Chromium and undici use.
 */
export const DEFAULT_RECONNECTION_TIME_MS = 3000;

type TimerName = 'reconnect' | 'watchdog' | 'firstByte';

/**
 * A WHATWG `EventSource` (https://html.spec.whatwg.org/multipage/server-sent-events.html) that runs
 * unchanged in browsers and Node 20+, with extensions: headers, an initial last event id, backoff
 * with jitter, a liveness watchdog, long/short polling fallbacks and a clock-offset estimate.
 * Numbered comments quote the standard's steps.
 */
export class EventSource extends EventSourceTarget {
  readonly #url: string;
  readonly #withCredentials: boolean;
  readonly #options: ResolvedOptions;
  readonly #parser: EventStreamParser;
  readonly #clockOffset = new ClockOffsetEstimator();
  #readyState: ReadyState = CONNECTING;
  #transport: TransportName;
  /** `auto` only: SSE delivered a byte once, so it works here; never fall back after that. */
  #isSseProven = false;
  #lastEventId: string;
  #reconnectionTimeMs = DEFAULT_RECONNECTION_TIME_MS;
  #failedAttempts = 0;
  #origin: string;
  /** The URL itself asks to resume (`lastEventID=`, as `hubUrl` writes it); see #adoptResponseCursor. */
  readonly #hasUrlCursor: boolean;
  /** The current attempt; aborting it silences every callback of that attempt. */
  #attempt: AbortController | undefined;
  readonly #timers: Record<TimerName, unknown> = {
    reconnect: undefined,
    watchdog: undefined,
    firstByte: undefined,
  };

  constructor(url: string | URL, options: EventSourceOptions = {}) {
    // 1. Let ev be a new EventSource object.
    super();
    // 3. Let urlRecord be the result of encoding-parsing a URL given url, relative to settings.
    let urlRecord: URL;
    try {
      urlRecord = new URL(String(url), (globalThis as { location?: { href: string } }).location?.href);
    } catch {
      // 4. If urlRecord is failure, then throw a "SyntaxError" DOMException.
      throw new DOMException(`Invalid URL: ${String(url)}`, 'SyntaxError');
    }
    // 5. Set ev's url to urlRecord.
    this.#url = urlRecord.href;
    this.#origin = urlRecord.origin;
    // 0.x `lastEventID`, draft-08 `last_event_id`, and the other spellings hubs read.
    this.#hasUrlCursor = /[?&]last[-_]?event[-_]?id=/i.test(urlRecord.search);
    // 7. If eventSourceInitDict's withCredentials is true, set ev's withCredentials to true.
    this.#withCredentials = options.withCredentials === true;
    this.#options = resolveOptions(options);
    this.#transport = this.#options.transport === 'auto' ? 'sse' : this.#options.transport;
    this.#lastEventId = options.lastEventId ?? '';
    this.#parser = new EventStreamParser({
      onEvent: (event) => this.#onParsedEvent(event),
      onRetry: (retryMs) => this.#onRetry(retryMs),
      onComment: () => this.#onLiveness(),
    });
    // 15. Fetch request (asynchronously: listeners added right after construction see `open`).
    queueMicrotask(() => this.#connect());
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

  /** Extension: the last event id string (sent as `Last-Event-ID` on reconnection). */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Extension: the transport in use (`auto` starts as `sse` and may become `long-poll`). */
  get transport(): TransportName {
    return this.#transport;
  }

  /**
   * Extension: estimated server clock minus client clock, in ms, or `undefined` before any
   * estimate. Learnt from each response's `Date` header (whole seconds, often hidden cross-origin
   * unless exposed by CORS) and from `serverTime` in poll responses (milliseconds), pairing the
   * server's time with the midpoint of the request's round trip (as NTP does); the sample with the
   * smallest error bound (half the round trip plus the server time's precision) is kept.
   * `Date.now() + clockOffsetMs` approximates the server's clock.
   */
  get clockOffsetMs(): number | undefined {
    return this.#clockOffset.offsetMs;
  }

  /** Aborts any request or pending reconnection; no event is dispatched afterwards. */
  close(): void {
    this.#readyState = CLOSED;
    this.#stopAttempt();
    this.#clearTimer('reconnect');
  }

  #connect(): void {
    if (this.#readyState === CLOSED) return;
    const attempt = new AbortController();
    this.#attempt = attempt;
    this.#armWatchdog();
    const request = this.#request(attempt.signal);
    const handlers = this.#handlersFor(attempt);
    if (this.#transport === 'sse') {
      this.#syncParser();
      if (this.#options.transport === 'auto' && !this.#isSseProven) this.#armFirstByteTimer();
      void runSseConnection(request, handlers);
    } else {
      request.url = pollUrl(this.#url, this.#transport, this.#options.longPollTimeoutMs);
      void runPoll(request, handlers);
    }
  }

  #request(signal: AbortSignal): ConnectionRequest {
    // 10. `Accept` is set by the transport; 11. cache mode "no-store".
    const headers: Record<string, string> = { ...this.#options.headers(), 'cache-control': 'no-store' };
    // Reestablish, 5.3: if the last event ID string is not empty, set `Last-Event-ID` to it,
    // encoded as UTF-8.
    if (this.#lastEventId !== '') headers['last-event-id'] = utf8ByteString(this.#lastEventId);
    return {
      url: this.#url,
      headers,
      // 6-8. A potential-CORS request: credentials "include" with withCredentials, else "same-origin".
      credentials: this.#withCredentials ? 'include' : 'same-origin',
      signal,
      fetch: this.#options.fetch,
      now: this.#options.now,
    };
  }

  /**
   * One parser lives as long as the EventSource so that the last event id carries over into each
   * new stream, as in browsers. When polling or the `lastEventId` option set the id outside the
   * parser, a reset seeded with that id puts it back in step.
   */
  #syncParser(): void {
    if (this.#parser.lastEventId !== this.#lastEventId) this.#parser.reset(this.#lastEventId);
    this.#parser.end();
  }

  #handlersFor(attempt: AbortController): ConnectionHandlers {
    const isCurrent = () => !attempt.signal.aborted && this.#readyState !== CLOSED;
    return {
      responded: (response, requestStartMs, serverMs, precisionMs) => {
        if (!isCurrent()) return;
        this.#clockOffset.addSample(requestStartMs, this.#options.now(), serverMs, precisionMs);
        // If redirected, events come from the final URL's origin.
        if (response.url !== '') this.#origin = new URL(response.url).origin;
      },
      open: () => isCurrent() && this.#announce(),
      chunk: (bytes) => isCurrent() && this.#onChunk(bytes),
      message: (type, data, id) => {
        if (!isCurrent()) return;
        if (id !== '') this.#lastEventId = id;
        this.#onLiveness();
        this.#dispatchMessage(type, data);
      },
      retry: (retryMs) => isCurrent() && this.#onRetry(retryMs),
      cursor: (lastEventId) => isCurrent() && this.#setCursor(lastEventId),
      responseCursor: (header) => isCurrent() && this.#adoptResponseCursor(utf8FromByteString(header)),
      polled: () => isCurrent() && this.#pollAgain(),
      lost: (code, cause, status, retryAfterMs) =>
        isCurrent() && this.#onLost(code, cause, status, retryAfterMs),
      fail: (code, status, cause) => isCurrent() && this.#onFail(code, status, cause),
    };
  }

  // "When a user agent is to announce the connection, the user agent must queue a task which, if
  // the readyState attribute is set to a value other than CLOSED, sets the readyState attribute to
  // OPEN and fires an event named open at the EventSource object."
  #announce(): void {
    if (this.#readyState !== CONNECTING) return;
    this.#readyState = OPEN;
    this.#failedAttempts = 0;
    this.dispatchEvent(new Event('open'));
  }

  #onChunk(bytes: Uint8Array): void {
    if (!this.#isSseProven) {
      this.#isSseProven = true;
      this.#clearTimer('firstByte');
    }
    try {
      this.#parser.feed(bytes);
    } catch (cause) {
      if (!(cause instanceof SseError)) throw cause;
      this.#onFail('STREAM_LIMIT', 200, cause);
      return;
    }
    // An `id:` followed by a blank line changes the last event ID string without any event.
    if (this.#readyState !== CLOSED) this.#setCursor(this.#parser.lastEventId);
  }

  /** A change of the last event id that no message event carries. */
  #setCursor(lastEventId: string): void {
    if (lastEventId === this.#lastEventId) return;
    this.#lastEventId = lastEventId;
    this.#options.onCursor?.(lastEventId);
  }

  /**
   * Herald extension (see `adoptResponseCursor`): before the first id, the hub's
   * `Mercure-Last-Event-ID` (0.x: `Last-Event-ID`) response header is where this subscription
   * starts; `earliest` names no event.
   * Only when the request asked for no cursor at all: when the URL asks to resume from X, a 0.x
   * hub (Herald's legacy mode, Mercure's Go hub) answers with its newest id, and a stream cut
   * before the replay's first event would then resume after the replay and lose it, while the URL
   * alone resumes from X again (a duplicate at worst).
   */
  #adoptResponseCursor(cursor: string): void {
    if (!this.#options.adoptResponseCursor || this.#lastEventId !== '' || this.#hasUrlCursor) return;
    if (cursor === '' || cursor === 'earliest') return;
    this.#setCursor(cursor);
    // The body has not been read yet: the parser starts from the adopted id.
    this.#syncParser();
  }

  #onParsedEvent(event: ParsedEvent): void {
    if (this.#readyState === CLOSED || this.#attempt?.signal.aborted !== false) return;
    this.#lastEventId = event.lastEventId;
    this.#onLiveness();
    this.#dispatchMessage(event.type, event.data);
  }

  #dispatchMessage(type: string, data: string): void {
    const init = { data, lastEventId: this.#lastEventId, origin: this.#origin };
    try {
      this.#options.onAnyMessage?.(type, init);
    } catch (error) {
      // Like a throwing listener: reported, and the stream goes on (a throw here would otherwise
      // unwind through the parser and the body reader, and pass for a network error).
      queueMicrotask(() => {
        throw error;
      });
    }
    this.dispatchEvent(createMessageEvent(type, init));
  }

  #onRetry(retryMs: number): void {
    // "set the event stream's reconnection time to that integer"; comments and fields keep a
    // connection alive as far as the watchdog is concerned.
    this.#reconnectionTimeMs = retryMs;
    this.#onLiveness();
  }

  #onLiveness(): void {
    if (this.#timers.watchdog !== undefined) this.#armWatchdog();
  }

  #onLost(code: ConnectionErrorCode, cause: unknown, status?: number, retryAfterMs?: number): void {
    // `auto`: a network error before any byte of SSE looks like a proxy or firewall refusing it.
    if (code === 'NETWORK' && this.#canFallBack()) {
      this.#fallBack();
      return;
    }
    this.#reestablish(code, cause, status, retryAfterMs);
  }

  #onFail(code: ConnectionErrorCode, status: number | undefined, cause: unknown): void {
    // `auto`: a 200 that is not an event stream (a proxy's page, a firewall's JSON) blocks SSE.
    if (code === 'CONTENT_TYPE' && status === 200 && this.#canFallBack()) {
      this.#fallBack();
      return;
    }
    // "When a user agent is to fail the connection, the user agent must queue a task which, if the
    // readyState attribute is set to a value other than CLOSED, sets the readyState attribute to
    // CLOSED and fires an event named error at the EventSource object. Once the user agent has
    // failed the connection, it does not attempt to reconnect."
    this.#stopAttempt();
    this.#readyState = CLOSED;
    this.dispatchEvent(new ConnectionErrorEvent(code, false, status, cause));
  }

  // "When a user agent is to reestablish the connection":
  #reestablish(code: ConnectionErrorCode, cause?: unknown, status?: number, retryAfterMs = 0): void {
    this.#stopAttempt();
    // 1.1. If the readyState attribute is set to CLOSED, abort the task.
    if (this.#readyState === CLOSED) return;
    // 1.2. Set the readyState attribute to CONNECTING.
    this.#readyState = CONNECTING;
    // 1.3. Fire an event named error at the EventSource object.
    this.dispatchEvent(new ConnectionErrorEvent(code, true, status, cause));
    if (this.#readyState !== CONNECTING) return;
    // 2. Wait a delay equal to the reconnection time of the event source (plus our jitter). A
    //    poll's `Retry-After` raises that floor: the server asked us not to come back sooner.
    const floorMs = Math.max(this.#reconnectionTimeMs, retryAfterMs);
    const delayMs = reconnectDelayMs(floorMs, this.#failedAttempts, {
      baseMs: this.#options.backoffBaseMs,
      capMs: this.#options.backoffCapMs,
      random: this.#options.random,
    });
    this.#failedAttempts += 1;
    this.#setTimer('reconnect', delayMs, () => {
      // 5.1. If the EventSource object's readyState attribute is not set to CONNECTING, then return.
      // 5.4. Fetch request (with `Last-Event-ID`, see #request).
      if (this.#readyState === CONNECTING) this.#connect();
    });
  }

  #pollAgain(): void {
    this.#stopAttempt();
    if (this.#transport === 'long-poll') {
      this.#connect();
      return;
    }
    this.#setTimer('reconnect', this.#options.shortPollIntervalMs, () => this.#connect());
  }

  #canFallBack(): boolean {
    return this.#options.transport === 'auto' && this.#transport === 'sse' && !this.#isSseProven;
  }

  /** `auto`: SSE does not get through; switch to long polling for good, same cursor, no error event. */
  #fallBack(): void {
    this.#stopAttempt();
    this.#transport = 'long-poll';
    this.#connect();
  }

  #armWatchdog(): void {
    const delayMs = watchdogDelayMs(this.#options, this.#transport);
    if (delayMs === undefined) return;
    this.#setTimer('watchdog', delayMs, () => this.#reestablish('HEARTBEAT_TIMEOUT'));
  }

  #armFirstByteTimer(): void {
    this.#setTimer('firstByte', this.#options.firstByteTimeoutMs, () => {
      if (this.#canFallBack()) this.#fallBack();
    });
  }

  #stopAttempt(): void {
    this.#attempt?.abort();
    this.#attempt = undefined;
    this.#clearTimer('watchdog');
    this.#clearTimer('firstByte');
  }

  #setTimer(name: TimerName, delayMs: number, callback: () => void): void {
    this.#clearTimer(name);
    this.#timers[name] = this.#options.timers.setTimeout(() => {
      this.#timers[name] = undefined;
      callback();
    }, delayMs);
  }

  #clearTimer(name: TimerName): void {
    const handle = this.#timers[name];
    if (handle === undefined) return;
    this.#options.timers.clearTimeout(handle);
    this.#timers[name] = undefined;
  }
}

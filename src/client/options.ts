import type { MessageInit } from './events.js';
import { globalTimers, type Timers } from './timers.js';

export type TransportName = 'sse' | 'long-poll' | 'short-poll';

/**
 * Options of `new EventSource(url, options)`. `withCredentials` is the standard's; the rest are
 * extensions, all optional: without them the client behaves as the standard says (except for the
 * backoff jitter added to the reconnection time).
 */
export interface EventSourceOptions {
  /** Send cookies cross-origin (`credentials: 'include'`); otherwise `'same-origin'`. */
  withCredentials?: boolean | undefined;
  /** Extra request headers, e.g. `Authorization`. A function is called before each (re)connection. */
  headers?: Record<string, string> | (() => Record<string, string>) | undefined;
  /** Resume after this id: sent as `Last-Event-ID` on the first request already. */
  lastEventId?: string | undefined;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch | undefined;
  /** Default: the global `setTimeout`/`clearTimeout`, looked up at each call. */
  timers?: Timers | undefined;
  /** Wall clock in Unix ms, for the clock-offset estimate. Default `Date.now`. */
  now?: (() => number) | undefined;
  /** Uniform in [0, 1), for backoff jitter. Default `Math.random`. */
  random?: (() => number) | undefined;
  /** Jitter ceiling of the first reconnection, doubled per failed attempt. Default 1000 ms. */
  backoffBaseMs?: number | undefined;
  /** Largest jitter ceiling. Default 30000 ms. */
  backoffCapMs?: number | undefined;
  /**
   * Reconnect when neither an event nor a comment arrives for this long. Set it above the server's
   * heartbeat interval (e.g. 3x the hub's 15 s heartbeat = 45000). Default: off (the standard has
   * no watchdog). For long-poll the hold time is added.
   */
  heartbeatTimeoutMs?: number | undefined;
  /**
   * `sse` (default), `long-poll`, `short-poll`, or `auto`: start with SSE and switch to long
   * polling for good when the SSE response shows no byte within `firstByteTimeoutMs` (a buffering
   * proxy) or the SSE request is blocked (network error before the first byte, or a 200 that is not
   * `text/event-stream`). Polling uses the same URL and cursors, so the events are the same.
   */
  transport?: TransportName | 'auto' | undefined;
  /** `auto` only. Default 5000 ms. The server must send something (a comment, `retry:`) at once. */
  firstByteTimeoutMs?: number | undefined;
  /** Pause between short polls. Default 2000 ms. */
  shortPollIntervalMs?: number | undefined;
  /** Long-poll hold time asked of the hub (`timeoutMs` parameter). Default: the hub's (25000). */
  longPollTimeoutMs?: number | undefined;
  /** Called with every message event of every type, before it is dispatched. */
  onAnyMessage?: ((type: string, init: MessageInit) => void) | undefined;
  /**
   * Herald extension beyond WHATWG, default true: while the last event id is empty and the URL
   * names no cursor (`lastEventID=` or another spelling), adopt the `Mercure-Last-Event-ID` header
   * (else the 0.x `Last-Event-ID` one) of an event-stream response (unless `earliest`) as the last
   * event id. A hub naming there its newest
   * event at subscription time tells a live-only subscriber where it starts, so a reconnection
   * before the first event resumes after that point instead of missing what was published during
   * the gap. (With a cursor in the URL the header is not adopted: a 0.x hub answers its newest id
   * even when a replay is about to follow, and a cut before the replay's first event would skip
   * it; reconnecting with the URL's cursor replays it again instead.) Cross-origin the hub must
   * list the header in `Access-Control-Expose-Headers`. Poll responses carry their cursor in the
   * body, which polling adopts whatever this option says.
   */
  adoptResponseCursor?: boolean | undefined;
  /**
   * Called when the last event id changes without a message event: an adopted response cursor, a
   * poll's cursor, an `id:` line with no data.
   */
  onCursor?: ((lastEventId: string) => void) | undefined;
}

export interface ResolvedOptions {
  headers: () => Record<string, string>;
  fetch: typeof fetch;
  timers: Timers;
  now: () => number;
  random: () => number;
  backoffBaseMs: number;
  backoffCapMs: number;
  heartbeatTimeoutMs: number | undefined;
  transport: TransportName | 'auto';
  firstByteTimeoutMs: number;
  shortPollIntervalMs: number;
  longPollTimeoutMs: number | undefined;
  onAnyMessage: ((type: string, init: MessageInit) => void) | undefined;
  adoptResponseCursor: boolean;
  onCursor: ((lastEventId: string) => void) | undefined;
}

/** The hub's default long-poll hold time, used to size the watchdog when none is given. */
const HUB_LONG_POLL_TIMEOUT_MS = 25_000;

export function resolveOptions(options: EventSourceOptions): ResolvedOptions {
  const { headers } = options;
  return {
    headers: typeof headers === 'function' ? headers : () => headers ?? {},
    // Bound late: a fetch replaced after construction (test doubles, polyfills) is still used.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    timers: options.timers ?? globalTimers,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    backoffBaseMs: options.backoffBaseMs ?? 1000,
    backoffCapMs: options.backoffCapMs ?? 30_000,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs,
    transport: options.transport ?? 'sse',
    firstByteTimeoutMs: options.firstByteTimeoutMs ?? 5000,
    shortPollIntervalMs: options.shortPollIntervalMs ?? 2000,
    longPollTimeoutMs: options.longPollTimeoutMs,
    onAnyMessage: options.onAnyMessage,
    adoptResponseCursor: options.adoptResponseCursor !== false,
    onCursor: options.onCursor,
  };
}

/** How long one attempt may stay silent before the watchdog reconnects. */
export function watchdogDelayMs(options: ResolvedOptions, transport: TransportName): number | undefined {
  const { heartbeatTimeoutMs } = options;
  if (heartbeatTimeoutMs === undefined || transport !== 'long-poll') return heartbeatTimeoutMs;
  return heartbeatTimeoutMs + (options.longPollTimeoutMs ?? HUB_LONG_POLL_TIMEOUT_MS);
}

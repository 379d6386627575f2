import type { OpenSubscription, PollEvent, SubscriberSink, Update } from '../hub/index.js';
import { cursorHeaders } from './cursor-header.js';
import type { SubscriptionContext } from './subscription-context.js';

export type PollMode = 'long-poll' | 'short-poll';

export interface PollOptions {
  mode: PollMode;
  /** How long a long-poll waits for a first event. */
  timeoutMs: number;
  /** Events arriving within this window after the first are sent in the same answer. */
  gatherMs: number;
  /** Events per answer; the client asks again from the returned cursor for more. */
  maxEvents: number;
  /**
   * Data bytes (UTF-16 code units, a bound on the JSON's size up to escaping) past which an answer
   * takes no more events; an answer always holds at least one. Bounds the memory and the
   * serialization work of one answer whatever the events' sizes.
   */
  maxDataChars: number;
}

export interface PollAnswer {
  events: PollEvent[];
  lastEventId: string;
  serverTime: string;
}

/**
 * Long-poll and short-poll: the same cursor semantics as the event stream, answered as one JSON
 * batch. A subscriber is registered exactly as for SSE, so no event published during the replay or
 * the wait is missed; it is unregistered as soon as the answer is sent.
 */
export async function servePoll(context: SubscriptionContext, options: PollOptions): Promise<void> {
  const { hub, exchange } = context;
  const collected: Update[] = [];
  let collectedChars = 0;
  let timer: unknown;
  let isAnswered = false;
  let isReplaying = true;
  let isClientGone = false;
  let resumeEventId = context.request.lastEventId ?? 'earliest';
  let open: OpenSubscription | undefined;

  const answer = () => {
    if (isAnswered) return;
    isAnswered = true;
    if (timer !== undefined) hub.timers.clearTimeout(timer);
    open?.subscriber.close('client');
    context.onEnd();
    if (isClientGone) return;
    const last = collected.at(-1);
    const body: PollAnswer = {
      events: collected.map((update) => update.pollEvent()),
      // With no event, the head: a client polling from `earliest` on a topic that stays quiet
      // would otherwise rescan the whole history on every poll.
      lastEventId: last?.event.id ?? resumeEventId,
      serverTime: new Date(hub.clock.nowMs()).toISOString(),
    };
    // `context.headers` carry the no-store cache policy of every subscription answer; the cursor
    // header is the event stream's, for a client that compares it with the id it asked for.
    const json = new TextEncoder().encode(JSON.stringify(body));
    const headers = {
      ...context.headers,
      ...(open === undefined ? {} : cursorHeaders(context, open)),
      'content-type': 'application/json; charset=utf-8',
    };
    exchange.respond(200, headers, json);
    context.sentBytes?.inc(json.byteLength);
  };

  const sink: SubscriberSink = {
    deliver: (update) => {
      if (isAnswered) return;
      collected.push(update);
      collectedChars += update.event.data.length;
      if (collected.length >= options.maxEvents || collectedChars >= options.maxDataChars) answer();
      else if (collected.length === 1 && !isReplaying) {
        if (timer !== undefined) hub.timers.clearTimeout(timer);
        timer = hub.timers.setTimeout(answer, options.gatherMs);
      }
    },
    close: () => answer(),
  };
  const opened = await hub.openSubscription({
    ...context.request,
    sink,
    transport: options.mode,
  });
  open = opened;
  resumeEventId = opened.resumeEventId;
  exchange.onClientGone(() => {
    isClientGone = true;
    if (!isAnswered) opened.subscriber.close('client');
  });
  await opened.replay();
  isReplaying = false;
  if (isAnswered) return;
  if (collected.length > 0 || options.mode === 'short-poll') {
    answer();
    return;
  }
  timer = hub.timers.setTimeout(answer, options.timeoutMs);
}

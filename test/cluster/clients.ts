/**
 * The clients of the cluster test. A subscriber is a small event-stream client that records every
 * event it gets, in order, and reconnects with `Last-Event-ID` (header) whenever its stream ends or
 * fails, to a node it picks each time; some also leave on purpose every N events. A publisher sends a
 * numbered sequence under ids of its own, one request at a time, and retries the SAME id until the
 * hub accepts it (a 200 with that id), through another node when its own is down.
 */
import { createParser } from 'eventsource-parser';
import type { Cluster, Target } from './processes.js';

/** A deterministic random source (mulberry32), so a seed names a run's choices. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const delay = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** One event as a subscriber got it. */
export interface Received {
  id: string;
  data: string;
  /** Index in `ChaosSubscriber.connections` of the stream that brought it. */
  connection: number;
}

/** One connection attempt of a subscriber, for the counts and for failure messages. */
export interface ConnectionLog {
  url: string;
  /** The `Last-Event-ID` header sent. */
  lastEventId: string;
  /** What the chaos was doing when the connection was made. */
  phase: string;
  status: number;
  events: number;
  /** How it ended: `hop` (left on purpose), `dropped` (the stream ended or failed), `refused` (not 200), `failed` (no response), `stopped`, or `open`. */
  end: 'open' | 'hop' | 'dropped' | 'refused' | 'failed' | 'stopped';
  /** The phase when it ended. */
  endPhase: string;
}

export interface SubscriberOptions {
  name: string;
  topics: string[];
  cluster: Cluster;
  random: () => number;
  /** The slot of the first node. */
  firstSlot: number;
  /** Leave and reconnect elsewhere after this many events on one stream. */
  hopEvery?: number | undefined;
  /** Leave and reconnect elsewhere after this long on one stream (or waiting for its answer). */
  hopAfterMs?: number | undefined;
  /** What the chaos is doing now (recorded per connection). */
  phase: () => string;
}

/** How long a subscriber waits before reconnecting after a refusal or a failure (doubling, capped). */
const RECONNECT_FIRST_MS = 25;
const RECONNECT_MAX_MS = 400;

export class ChaosSubscriber {
  readonly name: string;
  readonly topics: string[];
  readonly received: Received[] = [];
  readonly connections: ConnectionLog[] = [];
  /** Reconnections to another node than the previous one (on purpose or not). */
  hops = 0;
  readonly #options: SubscriberOptions;
  /** `earliest` at first: the history starts empty, so the first stream replays all of it. */
  #lastId = 'earliest';
  #isStopped = false;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: SubscriberOptions) {
    this.#options = options;
    this.name = options.name;
    this.topics = options.topics;
  }

  get lastId(): string {
    return this.#lastId;
  }

  /** Starts the connect-read-reconnect loop. */
  start(): void {
    this.#loop = this.#run();
  }

  /** Ends the current stream and the loop. */
  async stop(): Promise<void> {
    this.#isStopped = true;
    this.#abort?.abort();
    await this.#loop;
  }

  count(end: ConnectionLog['end']): number {
    return this.connections.filter((connection) => connection.end === end).length;
  }

  async #run(): Promise<void> {
    const { cluster, random } = this.#options;
    let previousUrl: string | undefined;
    let waitMs = 0;
    while (!this.#isStopped) {
      if (waitMs > 0) await delay(waitMs);
      if (this.#isStopped) return;
      const target =
        previousUrl === undefined ? cluster.at(this.#options.firstSlot) : cluster.pick(random, previousUrl);
      if (target === undefined) {
        waitMs = RECONNECT_MAX_MS;
        continue;
      }
      if (previousUrl !== undefined && target.url !== previousUrl) this.hops++;
      previousUrl = target.url;
      const end = await this.#stream(target);
      if (end === 'hop') waitMs = 0;
      else if (end === 'dropped') waitMs = RECONNECT_FIRST_MS;
      else waitMs = Math.min(Math.max(waitMs * 2, RECONNECT_FIRST_MS), RECONNECT_MAX_MS);
    }
  }

  /** One stream, read until it ends, fails, or the subscriber leaves it. */
  async #stream(target: Target): Promise<ConnectionLog['end']> {
    const phase = this.#options.phase;
    const log: ConnectionLog = {
      url: target.url,
      lastEventId: this.#lastId,
      phase: phase(),
      status: 0,
      events: 0,
      end: 'open',
      endPhase: '',
    };
    const index = this.connections.push(log) - 1;
    const finish = (end: ConnectionLog['end']) => {
      log.end = this.#isStopped ? 'stopped' : end;
      log.endPhase = phase();
      return log.end;
    };
    const abort = new AbortController();
    this.#abort = abort;
    let isLeaving = false;
    const leave = () => {
      isLeaving = true;
      abort.abort();
    };
    const hopAfterMs = this.#options.hopAfterMs;
    const timer = hopAfterMs === undefined ? undefined : setTimeout(leave, hopAfterMs);
    try {
      return finish(await this.#read(target, log, index, abort, leave, () => isLeaving));
    } finally {
      clearTimeout(timer);
      if (!abort.signal.aborted) abort.abort();
    }
  }

  async #read(
    target: Target,
    log: ConnectionLog,
    index: number,
    abort: AbortController,
    leave: () => void,
    isLeaving: () => boolean,
  ): Promise<ConnectionLog['end']> {
    const query = this.topics.map((topic) => `topic=${encodeURIComponent(topic)}`).join('&');
    let response: Response;
    try {
      response = await fetch(`${target.url}/.well-known/mercure?${query}`, {
        headers: { 'last-event-id': this.#lastId },
        signal: abort.signal,
      });
    } catch {
      return isLeaving() ? 'hop' : 'failed';
    }
    log.status = response.status;
    if (response.status !== 200 || response.body === null) {
      await response.body?.cancel().catch(() => {});
      return 'refused';
    }
    const parser = createParser({
      onEvent: (event) => {
        // Events parsed after the decision to leave are dropped: the next stream starts after the
        // last one recorded, so they come again.
        if (isLeaving() || this.#isStopped) return;
        const id = event.id ?? `(no id, data ${event.data})`;
        this.received.push({ id, data: event.data, connection: index });
        this.#lastId = id;
        log.events++;
        const hopEvery = this.#options.hopEvery;
        if (hopEvery !== undefined && log.events >= hopEvery) leave();
      },
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(decoder.decode(value, { stream: true }));
        if (isLeaving()) break;
      }
    } catch {
      // Aborted (leaving, stopping) or cut (the node died).
    }
    return isLeaving() ? 'hop' : 'dropped';
  }
}

/** One event of a publisher's sequence. */
export interface Publication {
  publisher: number;
  /** Position in the publisher's sequence; the fence is the last. */
  seq: number;
  id: string;
  topics: string[];
  data: string;
  isFence: boolean;
  /** Answered 200 with its id. */
  isAcknowledged: boolean;
  /** Requests sent for it. */
  attempts: number;
}

export interface PublisherOptions {
  index: number;
  cluster: Cluster;
  token: string;
  /** The slot of the node it publishes through while that node is up. */
  homeSlot: number;
  /** Gives up on one event after this long (it then counts as never acknowledged). */
  eventDeadlineMs: number;
  /** Per request: a request without an answer by then counts as dead mid-flight. */
  requestTimeoutMs: number;
}

/** An answer no retry can fix: the test stops there. */
class UnexpectedAnswer extends Error {}

/** How long a publisher waits before a retry (doubling, capped). */
const RETRY_FIRST_MS = 10;
const RETRY_MAX_MS = 250;

export class ChaosPublisher {
  readonly index: number;
  readonly publications: Publication[] = [];
  /** Requests repeated after a failure (any kind). */
  retries = 0;
  /** 503 answers (Redis unavailable). */
  unavailable = 0;
  /** Other 5xx answers. */
  serverErrors = 0;
  /** Requests that died without an answer (connection refused or cut, timeout): outcome unknown. */
  connectionErrors = 0;
  /** 200s that came through another node than the home one. */
  viaOtherNode = 0;
  readonly #options: PublisherOptions;
  /** Connection failures so far: each moves this publisher to the next node up. */
  #moves = 0;

  constructor(options: PublisherOptions) {
    this.#options = options;
    this.index = options.index;
  }

  get acknowledged(): number {
    return this.publications.filter((publication) => publication.isAcknowledged).length;
  }

  /** Publishes one event, retrying its id until a 200 names it, or the event's deadline passes. */
  async publish(seq: number, topics: string[], isFence = false): Promise<Publication> {
    const { cluster, token, homeSlot } = this.#options;
    const id = `urn:chaos:p${this.index}:${isFence ? 'fence' : seq}`;
    const publication: Publication = {
      publisher: this.index,
      seq,
      id,
      topics,
      data: `p${this.index} #${seq}${isFence ? ' fence' : ''}`,
      isFence,
      isAcknowledged: false,
      attempts: 0,
    };
    this.publications.push(publication);
    const fields: [string, string][] = [
      ...topics.map((topic): [string, string] => ['topic', topic]),
      ['id', id],
      ['data', publication.data],
    ];
    const deadline = Date.now() + this.#options.eventDeadlineMs;
    let waitMs = RETRY_FIRST_MS;
    for (;;) {
      const home = cluster.at(homeSlot);
      const target = home !== undefined && this.#moves === 0 ? home : cluster.upFrom(homeSlot + this.#moves);
      if (target !== undefined) {
        publication.attempts++;
        try {
          const response = await fetch(`${target.url}/.well-known/mercure`, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              authorization: `Bearer ${token}`,
            },
            body: new URLSearchParams(fields).toString(),
            signal: AbortSignal.timeout(this.#options.requestTimeoutMs),
          });
          const body = await response.text();
          if (response.status === 200) {
            if (body !== id)
              throw new UnexpectedAnswer(`publisher ${this.index}: ${id} was answered with the id ${body}`);
            publication.isAcknowledged = true;
            if (target.slot !== homeSlot) this.viaOtherNode++;
            // Back home once it is up again.
            if (cluster.at(homeSlot) !== undefined) this.#moves = 0;
            return publication;
          }
          if (response.status === 503) this.unavailable++;
          else if (response.status >= 500) this.serverErrors++;
          else
            throw new UnexpectedAnswer(
              `publisher ${this.index}: ${id} was answered ${response.status}: ${body}`,
            );
        } catch (error) {
          if (error instanceof UnexpectedAnswer) throw error;
          this.connectionErrors++;
          this.#moves++;
        }
      }
      if (Date.now() + waitMs > deadline) return publication;
      this.retries++;
      await delay(waitMs);
      waitMs = Math.min(waitMs * 2, RETRY_MAX_MS);
    }
  }
}

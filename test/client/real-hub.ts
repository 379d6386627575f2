/**
 * The real hub for the client's tests: `createHub` with a JWT key, published to over HTTP with a
 * publisher token and subscribed to with a subscriber token. The client is checked against the
 * hub's own answers, so a drift between the two (a renamed field, another cursor rule) fails here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHub, type HeraldHub, HUB_PATH } from '../../src/http/index.js';
import { HMAC_SECRET, signToken } from '../support/keys.js';
import { type ServedHub, serveHub } from '../support/listen.js';

/** The one topic the tests publish on and subscribe to. */
export const TOPIC = 't';

/** A subscription request as it reached the hub. */
export interface SeenSubscription {
  /** `sse`, `long-poll` or `short-poll`. */
  transport: string;
  /** `Last-Event-ID` (header, else the `lastEventID` query parameter); '' when none. */
  cursor: string;
}

/** A 0.x token (`mercure` claim): the protocol of the `topic` subscriptions the client makes here. */
const sign = (role: 'publish' | 'subscribe') =>
  signToken({ mercure: { [role]: [TOPIC] } }, { alg: 'HS256', key: HMAC_SECRET });

export class RealHub {
  readonly herald: HeraldHub;
  /** Every subscription request that reached the hub, in order. */
  readonly subscriptions: SeenSubscription[] = [];
  /** Headers that let a client subscribe to `TOPIC` (a bearer token). */
  readonly subscriberHeaders: Record<string, string>;
  readonly #publisherToken: string;
  #origin: string | undefined;
  #served: ServedHub | undefined;
  #publishedCount = 0;

  private constructor(herald: HeraldHub, subscriberToken: string, publisherToken: string) {
    this.herald = herald;
    this.subscriberHeaders = { authorization: `Bearer ${subscriberToken}` };
    this.#publisherToken = publisherToken;
  }

  /** A hub not served yet: `serve()` it, or mount `handle` on a server of the test's and `mountAt`. */
  static async create(): Promise<RealHub> {
    const herald = await createHub({ jwt: { key: { type: 'hmac', secret: HMAC_SECRET } } });
    return new RealHub(herald, await sign('subscribe'), await sign('publish'));
  }

  /** A hub served on a loopback port of its own. */
  static async start(): Promise<RealHub> {
    const hub = await RealHub.create();
    await hub.serve();
    return hub;
  }

  async serve(): Promise<void> {
    this.#served = await serveHub({ ...this.herald, handleNode: this.handle });
    this.#origin = this.#served.url;
  }

  /** The hub is reached at `origin` (`http://host:port`) through a server that calls `handle`. */
  mountAt(origin: string): void {
    this.#origin = origin;
  }

  /** `http://host:port`, no trailing slash. */
  get origin(): string {
    if (this.#origin === undefined) throw new Error('the hub is neither served nor mounted');
    return this.#origin;
  }

  /** The subscription URL for `TOPIC`. */
  get url(): string {
    return `${this.origin}${HUB_PATH}?topic=${TOPIC}`;
  }

  /** Event streams the hub is serving now, as its own subscriber registry counts them. */
  get openStreams(): number {
    return [...this.herald.hub.subscribers].filter((subscriber) => subscriber.transport === 'sse').length;
  }

  /** Records subscription requests, then hands every request to the hub. */
  readonly handle = (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://hub.invalid');
    if (request.method === 'GET' && url.pathname === HUB_PATH) {
      const header = request.headers['last-event-id'];
      this.subscriptions.push({
        transport: url.searchParams.get('transport') ?? 'sse',
        cursor: typeof header === 'string' ? header : (url.searchParams.get('lastEventID') ?? ''),
      });
    }
    this.herald.handleNode(request, response);
  };

  /**
   * Publishes over HTTP with the id `e<n>` (n counts this hub's publications from 1), so tests can
   * name the ids they expect. Await each call: the ids follow the order of the calls only then.
   */
  async publish(data: string, type?: string): Promise<string> {
    const id = `e${++this.#publishedCount}`;
    const fields = new URLSearchParams({ topic: TOPIC, data, id });
    if (type !== undefined) fields.set('type', type);
    const response = await fetch(`${this.origin}${HUB_PATH}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.#publisherToken}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: fields.toString(),
    });
    const body = await response.text();
    if (response.status !== 200 || body !== id) throw new Error(`publish ${id}: ${response.status} ${body}`);
    return id;
  }

  /** Closes the hub (ending its streams), then its own server if it has one. */
  async close(): Promise<void> {
    if (this.#served === undefined) await this.herald.close();
    else await this.#served.close();
  }
}

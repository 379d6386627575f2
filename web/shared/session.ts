import { type EventSourceOptions, hubUrl, SharedEventSource } from '../../src/client/index.js';

export type Role = 'publisher' | 'subscriber';

/** A fake user of the demo (the server's list: `src/http/demo-users.ts`). */
export interface DemoUser {
  id: string;
  name: string;
  timeZone: string;
}

interface TokenResponse {
  token: string;
  subject: string;
  expiresAtMs: number;
  topicPrefix: string;
  user?: DemoUser;
  users: DemoUser[];
  features: { subscriptionsApi: boolean };
}

/** Who a page acts as: a fake user (`?as=alice` or the page's default), or a named role without one. */
export type Identity = { user: string; role?: Role } | { name: string; role: Role };

/** What `DemoSession.openAs` gives: the session, and a sentence when it is not the user asked for. */
export interface OpenedAs {
  session: DemoSession;
  /** Set when the wanted user does not exist and the session acts as the fallback instead. */
  fellBack?: string;
}

/** `POST /demo/token` refused: `status` 400 means the request (say the user) was wrong. */
export class DemoTokenError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'DemoTokenError';
    this.status = status;
  }
}

/** The public notifications' topic, under the session's topic prefix. */
export const NOTIFICATIONS_PATH = 'notifications';

/** Renew a minute before expiry: the hub refuses a token the moment it expires. */
const RENEW_BEFORE_MS = 60_000;

/**
 * A demo identity: a short-lived token from `POST /demo/token` (only a hub in demo mode mints
 * them), renewed before it expires. A publisher may publish on the topics the pages write
 * (notifications, users, chat rooms, lab runs); a fake user's token also reads that user's
 * private topic, `users/{id}`, and no one else's.
 */
export class DemoSession {
  #current: TokenResponse;
  readonly #identity: Identity;

  private constructor(current: TokenResponse, identity: Identity) {
    this.#current = current;
    this.#identity = identity;
    this.#renewLater(identity);
  }

  static async open(identity: Identity): Promise<DemoSession> {
    return new DemoSession(await fetchToken(identity), identity);
  }

  /**
   * A session as the fake user `wanted` (say from `?as=`), or as `fallback` when the hub knows no
   * such user: the tab still works, and `fellBack` carries a sentence saying so for a banner. Every
   * page that acts as a user opens it this way, so an unknown name behaves the same on each.
   */
  static async openAs(wanted: string, fallback: string): Promise<OpenedAs> {
    try {
      return { session: await DemoSession.open({ user: wanted }) };
    } catch (error) {
      // Only an unknown user falls back; a hub that is down or not in demo mode stays an error.
      if (wanted === fallback || !(error instanceof DemoTokenError) || error.status !== 400) throw error;
    }
    const session = await DemoSession.open({ user: fallback });
    const name = session.user?.name ?? fallback;
    return { session, fellBack: `There is no demo user "${wanted}": this tab acts as ${name}.` };
  }

  get token(): string {
    return this.#current.token;
  }
  /**
   * Who this session acts as, the same in every tab (`alice`, `Reader:subscriber`): the name of
   * the streams it may share with other tabs. The token's subject is unique per token.
   */
  get identityKey(): string {
    const identity = this.#identity;
    return 'user' in identity ? identity.user : `${identity.name}:${identity.role}`;
  }
  get subject(): string {
    return this.#current.subject;
  }
  get topicPrefix(): string {
    return this.#current.topicPrefix;
  }
  /** The fake user this session acts as, if any. */
  get user(): DemoUser | undefined {
    return this.#current.user;
  }
  /** Every fake user of the demo, with their zones. */
  get users(): DemoUser[] {
    return this.#current.users;
  }
  get hasSubscriptionsApi(): boolean {
    return this.#current.features.subscriptionsApi;
  }

  topic(path: string): string {
    return `${this.#current.topicPrefix}${path}`;
  }

  /** A fake user's private topic: private updates there reach that user only. */
  userTopic(userId: string): string {
    return this.topic(`users/${userId}`);
  }

  /** `POST /.well-known/mercure` with the form fields; resolves with the response (never throws on 4xx). */
  publish(
    fields: Record<string, string | string[]>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) {
      for (const item of typeof value === 'string' ? [value] : value) body.append(name, item);
    }
    return fetch('/.well-known/mercure', {
      method: 'POST',
      headers: {
        ...headers,
        authorization: `Bearer ${this.token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body,
    });
  }

  /**
   * A subscription that presents this session's token (private updates, presence), shared by the
   * tabs of this page under `shareName`: browsers allow 6 HTTP/1.1 connections per host, and
   * every held stream counts. Tabs of different users must use different names.
   */
  subscribe(topics: string[], shareName: string, options: EventSourceOptions = {}): SharedEventSource {
    return new SharedEventSource(hubUrl('/', { topics }), {
      ...options,
      name: shareName,
      headers: () => ({ authorization: `Bearer ${this.token}` }),
    });
  }

  /**
   * The fake user's stream: the public notifications and the user's private topic (private
   * notifications, meeting reminders), one connection shared by all of this user's tabs, of the
   * notifications and the meetings pages alike; each page listens to its own event type.
   */
  userStream(): SharedEventSource {
    const user = this.user;
    if (user === undefined) throw new Error('a user stream needs a session of a fake user');
    return this.subscribe(
      [this.topic(NOTIFICATIONS_PATH), this.userTopic(user.id)],
      `herald-demo:user:${user.id}`,
    );
  }

  #renewLater(identity: Identity): void {
    const delayMs = Math.max(5_000, this.#current.expiresAtMs - Date.now() - RENEW_BEFORE_MS);
    setTimeout(async () => {
      try {
        this.#current = await fetchToken(identity);
      } catch {
        // Keep the old token; the next renewal (or a reload) tries again.
      }
      this.#renewLater(identity);
    }, delayMs);
  }
}

async function fetchToken(identity: Identity): Promise<TokenResponse> {
  const query = new URLSearchParams(
    'user' in identity
      ? { user: identity.user, role: identity.role ?? 'publisher' }
      : { name: identity.name, role: identity.role },
  );
  const response = await fetch(`/demo/token?${query}`, { method: 'POST' });
  if (!response.ok) {
    const reason = response.status === 400 ? (await response.text()).trim() : 'is the hub in demo mode?';
    throw new DemoTokenError(response.status, `POST /demo/token answered ${response.status}: ${reason}`);
  }
  return (await response.json()) as TokenResponse;
}

/** `?as=bob` picks the fake user a tab acts as; anything else falls back to `fallback`. */
export function userFromLocation(fallback: string): string {
  const wanted = new URLSearchParams(location.search).get('as');
  return wanted !== null && /^[a-z]{1,16}$/.test(wanted) ? wanted : fallback;
}

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

/** Renew a minute before expiry: the hub refuses a token the moment it expires. */
const RENEW_BEFORE_MS = 60_000;

/**
 * A demo identity: a short-lived token from `POST /demo/token` (only a hub in demo mode mints
 * them), renewed before it expires. A publisher may publish under the demo prefix; a fake user's
 * token also reads that user's private topic, `users/{id}`, and no one else's.
 */
export class DemoSession {
  #current: TokenResponse;

  private constructor(current: TokenResponse, identity: Identity) {
    this.#current = current;
    this.#renewLater(identity);
  }

  static async open(identity: Identity): Promise<DemoSession> {
    return new DemoSession(await fetchToken(identity), identity);
  }

  get token(): string {
    return this.#current.token;
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
  if (!response.ok) throw new Error(`POST /demo/token answered ${response.status}: is the hub in demo mode?`);
  return (await response.json()) as TokenResponse;
}

/** `?as=bob` picks the fake user a tab acts as; anything else falls back to `fallback`. */
export function userFromLocation(fallback: string): string {
  const wanted = new URLSearchParams(location.search).get('as');
  return wanted !== null && /^[a-z]{1,16}$/.test(wanted) ? wanted : fallback;
}

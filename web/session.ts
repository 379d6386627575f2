import { type EventSourceOptions, hubUrl, SharedEventSource } from '../src/client/index.js';

export type Role = 'publisher' | 'subscriber';

interface TokenResponse {
  token: string;
  subject: string;
  expiresAtMs: number;
  topicPrefix: string;
  features: { subscriptionsApi: boolean };
}

/** Renew a minute before expiry: the hub refuses a token the moment it expires. */
const RENEW_BEFORE_MS = 60_000;

/**
 * A demo identity: a short-lived token from `POST /demo/token`, renewed before it expires. The
 * publisher role may publish under the demo prefix; the subscriber role may only read.
 */
export class DemoSession {
  #current: TokenResponse;

  private constructor(current: TokenResponse, role: Role, name: string) {
    this.#current = current;
    this.#renewLater(role, name);
  }

  static async open(role: Role, name: string): Promise<DemoSession> {
    return new DemoSession(await fetchToken(role, name), role, name);
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
  get hasSubscriptionsApi(): boolean {
    return this.#current.features.subscriptionsApi;
  }

  topic(path: string): string {
    return `${this.#current.topicPrefix}${path}`;
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
   * every held stream counts.
   */
  subscribe(topics: string[], shareName: string, options: EventSourceOptions = {}): SharedEventSource {
    return new SharedEventSource(hubUrl('/', { topics }), {
      ...options,
      name: shareName,
      headers: () => ({ authorization: `Bearer ${this.token}` }),
    });
  }

  #renewLater(role: Role, name: string): void {
    const delayMs = Math.max(5_000, this.#current.expiresAtMs - Date.now() - RENEW_BEFORE_MS);
    setTimeout(async () => {
      try {
        this.#current = await fetchToken(role, name);
      } catch {
        // Keep the old token; the next renewal (or a reload) tries again.
      }
      this.#renewLater(role, name);
    }, delayMs);
  }
}

async function fetchToken(role: Role, name: string): Promise<TokenResponse> {
  const query = new URLSearchParams({ role, name });
  const response = await fetch(`/demo/token?${query}`, { method: 'POST' });
  if (!response.ok) throw new Error(`POST /demo/token answered ${response.status}: is the hub in demo mode?`);
  return (await response.json()) as TokenResponse;
}

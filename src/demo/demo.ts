import { randomBytes, randomUUID } from 'node:crypto';
import {
  type Authorizer,
  type CreateHubOptions,
  createAuthorizer,
  createHub,
  type HeraldHub,
  HttpError,
  type HubExtension,
  type HubExtensionContext,
  type HubExtensionFactory,
} from '../http/index.js';
import type { Exchange } from '../transports/index.js';
import { type DemoAsset, defaultDemoWebDir, findDemoAsset, loadDemoAssets } from './assets.js';
import { isAllowedLocalHost } from './loopback-host.js';
import { DemoTicker } from './ticker.js';
import { type DemoRole, issueDemoToken, sanitizeDemoName } from './token.js';
import { UNBUILT_PAGE } from './unbuilt-page.js';
import { DEMO_USERS, findDemoUser } from './users.js';

/** `createDemoHub({ demo: { ... } })`: the local demo's pages, token endpoint and ticker. */
export interface DemoOptions {
  /** HMAC key of the demo's tokens. Default: 32 random bytes, new at every start. */
  secret?: Uint8Array | undefined;
  /** The built pages (`index.html`, `lab.html`, …, `assets/`). Default: `dist/web/`. */
  webDir?: string | undefined;
  /** Time between two stock price updates of the in-process publisher; 0 turns it off. Default 100 ms. */
  tickerIntervalMs?: number | undefined;
  random?: (() => number) | undefined;
  /**
   * Host names besides loopback ones under which `POST /demo/token` answers: only for a demo bound
   * to another host on purpose (a DNS-rebinding guard refuses every other `Host`).
   */
  hosts?: readonly string[] | undefined;
}

const NO_STORE = 'no-store';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const MAX_TOKEN_REQUEST_BYTES = 4096;

/**
 * Demo mode. Its tokens are signed with their own key and accepted beside the configured ones, so
 * a hub with real keys keeps them; without keys the demo key is the only one. Never on unless
 * asked for: `POST /demo/token` hands a publishing token to anyone who can reach the hub.
 */
class DemoMode implements HubExtension {
  readonly authorizer: Authorizer;
  #context: HubExtensionContext;
  #hosts: readonly string[];
  #secret: Uint8Array;
  #assets: Map<string, DemoAsset>;
  #ticker: DemoTicker | undefined;

  constructor(context: HubExtensionContext, options: DemoOptions = {}) {
    this.#context = context;
    this.#hosts = options.hosts ?? [];
    this.#secret = options.secret ?? randomBytes(32);
    this.#assets = loadDemoAssets(options.webDir ?? defaultDemoWebDir());
    const own = createAuthorizer({ key: { type: 'hmac', secret: this.#secret } });
    this.authorizer = eitherAuthorizer(own, context.hasConfiguredKeys ? context.authorizer : undefined);
    const intervalMs = options.tickerIntervalMs ?? 100;
    if (intervalMs > 0) {
      this.#ticker = new DemoTicker({
        hub: context.hub,
        timers: context.hub.timers,
        intervalMs,
        random: options.random ?? Math.random,
        onError: (error) => context.logger?.warn({ err: error }, 'demo ticker failed to publish'),
      });
      this.#ticker.start();
    }
    context.logger?.warn(
      'DEMO MODE: anonymous subscribers are allowed and POST /demo/token gives a publishing token to ' +
        'anyone who can reach this hub. For local use only; never expose it.',
    );
    if (!this.#assets.has('index.html')) {
      context.logger?.warn('the demo page is not built: run `npm run build` (scripts/build-web.mjs)');
    }
  }

  handle = async (exchange: Exchange, path: string, cors: Record<string, string>): Promise<boolean> => {
    const { method } = exchange;
    if (path === '/demo/token') {
      this.#assertLocalHost(exchange);
      if (method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'use POST', { allow: 'POST' });
      await this.#issueToken(exchange, cors);
      return true;
    }
    if (method !== 'GET' && method !== 'HEAD') return false;
    if (path === '/demo/stocks' && this.#ticker !== undefined) {
      exchange.respond(
        200,
        { ...cors, 'cache-control': NO_STORE, 'content-type': 'application/json; charset=utf-8' },
        method === 'HEAD' ? undefined : JSON.stringify(this.#ticker.snapshot()),
      );
      return true;
    }
    const asset = findDemoAsset(this.#assets, path);
    if (asset === undefined) {
      if (path !== '/') return false;
      // Not built: a short page that says how to build it.
      exchange.respond(
        200,
        { 'content-type': 'text/html; charset=utf-8', 'cache-control': NO_STORE },
        UNBUILT_PAGE,
      );
      return true;
    }
    // Scripts and styles carry a content hash in their names: cache them for good. Pages are
    // fetched anew, so a rebuilt demo shows at the next load.
    const isHashed = path.startsWith('/demo/assets/');
    exchange.respond(
      200,
      {
        'content-type': asset.contentType,
        'cache-control': isHashed ? IMMUTABLE : NO_STORE,
        'x-content-type-options': 'nosniff',
      },
      method === 'HEAD' ? undefined : asset.body,
    );
    return true;
  };

  close(): void {
    this.#ticker?.stop();
  }

  /**
   * `POST /demo/token` hands a publishing token to whoever asks: only a loopback `Host` (or one the
   * demo was bound to on purpose) may, so a DNS-rebound name cannot fetch one from a local hub.
   */
  #assertLocalHost(exchange: Exchange): void {
    const { headers } = exchange;
    const host = headers.host ?? (headers[':authority'] as string | undefined);
    if (!isAllowedLocalHost(host, this.#hosts)) {
      throw new HttpError(403, 'HOST_FORBIDDEN', 'demo tokens are only issued to a loopback Host');
    }
  }

  async #issueToken(exchange: Exchange, cors: Record<string, string>): Promise<void> {
    const query = new URL(exchange.target, 'http://hub.invalid').searchParams;
    const userId = query.get('user');
    const user = userId === null ? undefined : findDemoUser(userId);
    if (userId !== null && user === undefined) {
      throw new HttpError(
        400,
        'USER_INVALID',
        `user: unknown demo user ${JSON.stringify(userId.slice(0, 40))}; one of ${DEMO_USERS.map((u) => u.id).join(', ')}`,
      );
    }
    const rawRole = query.get('role') ?? 'publisher';
    if (rawRole !== 'publisher' && rawRole !== 'subscriber') {
      throw new HttpError(400, 'ROLE_INVALID', 'role: must be publisher or subscriber');
    }
    const role: DemoRole = rawRole;
    const issued = await issueDemoToken(this.#secret, {
      role,
      user,
      name: user?.name ?? sanitizeDemoName(query.get('name'), role === 'publisher' ? 'Publisher' : 'Reader'),
      nowMs: this.#context.hub.clock.nowMs(),
      nonce: randomUUID().slice(0, 8),
    });
    // Drain (and bound) whatever body came along, so the connection can be reused.
    await exchange.readBody(MAX_TOKEN_REQUEST_BYTES);
    const json = {
      ...issued,
      expiresAt: new Date(issued.expiresAtMs).toISOString(),
      users: DEMO_USERS,
      features: { subscriptionsApi: this.#context.subscriptionsApi },
    };
    exchange.respond(
      200,
      { ...cors, 'cache-control': NO_STORE, 'content-type': 'application/json; charset=utf-8' },
      JSON.stringify(json),
    );
  }
}

/** Accepts what `first` accepts, else defers to `second` (whose error is the one reported). */
function eitherAuthorizer(first: Authorizer, second: Authorizer | undefined): Authorizer {
  if (second === undefined) return first;
  const either = (role: 'verifyPublisher' | 'verifySubscriber') => async (token: string) => {
    try {
      return await first[role](token);
    } catch {
      return second[role](token);
    }
  };
  return { verifyPublisher: either('verifyPublisher'), verifySubscriber: either('verifySubscriber') };
}

/** The demo as a hub extension: its routes, tokens and ticker, started with the hub. */
export function demoExtension(options: DemoOptions = {}): HubExtensionFactory {
  return (context) => new DemoMode(context, options);
}

export interface DemoHubOptions extends CreateHubOptions {
  demo?: DemoOptions | undefined;
}

/**
 * A hub with the local demo (`herald serve --demo`): the pages at `/`, `POST /demo/token` (tokens
 * for fake users, confined to the demo's topics), a stock ticker, and anonymous subscribers.
 * Without JWT keys a random demo key is the only one. Never in production: anyone who reaches the
 * hub can mint a token. `herald serve` refuses it under `NODE_ENV=production` and binds it to
 * loopback; an embedding application that calls this owns that decision.
 */
export function createDemoHub(options: DemoHubOptions = {}): Promise<HeraldHub> {
  const { demo, ...hubOptions } = options;
  return createHub({ ...hubOptions, allowAnonymous: true, extension: demoExtension(demo) });
}

import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Hub } from '../hub/hub.js';
import type { Exchange } from '../transports/exchange.js';
import { type Authorizer, createAuthorizer } from './authorizer.js';
import { type DemoAsset, defaultDemoWebDir, findDemoAsset, loadDemoAssets } from './demo-assets.js';
import { DEMO_PAGE } from './demo-page.js';
import { DemoTicker } from './demo-ticker.js';
import { type DemoRole, issueDemoToken, sanitizeDemoName } from './demo-token.js';
import { DEMO_USERS, findDemoUser } from './demo-users.js';
import { HttpError } from './errors.js';

/** `createHub({ demo: true })` or `{ demo: { ... } }`: the local demo page and its token endpoint. */
export interface DemoOptions {
  /** HMAC key of the demo's tokens. Default: 32 random bytes, new at every start. */
  secret?: Uint8Array | undefined;
  /** The built pages (`index.html`, `lab.html`, …, `assets/`). Default: `dist/web/`. */
  webDir?: string | undefined;
  /** Time between two stock price updates of the in-process publisher; 0 turns it off. Default 100 ms. */
  tickerIntervalMs?: number | undefined;
  random?: (() => number) | undefined;
}

/** The routes the demo adds to the hub's handler. */
export interface DemoRoutes {
  /** Answers and resolves `true` when the request is the demo's; `false` leaves it to the hub. */
  handle(exchange: Exchange, path: string, cors: Record<string, string>): Promise<boolean>;
}

export interface DemoContext {
  hub: Hub;
  /** The configured authorizer, or `undefined` when no JWT key was configured. */
  configured: Authorizer | undefined;
  subscriptionsApi: boolean;
  logger?: Logger | undefined;
}

const NO_STORE = 'no-store';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const MAX_TOKEN_REQUEST_BYTES = 4096;

/**
 * Demo mode. Its tokens are signed with their own key and accepted beside the configured ones, so
 * a hub with real keys keeps them; without keys the demo key is the only one. Never on unless
 * asked for: `POST /demo/token` hands a publishing token to anyone who can reach the hub.
 */
export class DemoMode implements DemoRoutes {
  readonly authorizer: Authorizer;
  #context: DemoContext;
  #secret: Uint8Array;
  #assets: Map<string, DemoAsset>;
  #ticker: DemoTicker | undefined;

  constructor(context: DemoContext, options: DemoOptions = {}) {
    this.#context = context;
    this.#secret = options.secret ?? randomBytes(32);
    this.#assets = loadDemoAssets(options.webDir ?? defaultDemoWebDir());
    const own = createAuthorizer({ key: { type: 'hmac', secret: this.#secret } });
    this.authorizer = eitherAuthorizer(own, context.configured);
    const intervalMs = options.tickerIntervalMs ?? 100;
    if (intervalMs > 0) {
      this.#ticker = new DemoTicker({
        hub: context.hub,
        scheduler: context.hub.scheduler,
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
        DEMO_PAGE,
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

/** `createHub`'s `demo` option: `undefined` when off (the default). */
export function startDemo(
  option: boolean | DemoOptions | undefined,
  context: Omit<DemoContext, 'configured'> & { authorizer: Authorizer; hasConfiguredKeys: boolean },
): DemoMode | undefined {
  if (option === undefined || option === false) return undefined;
  const { authorizer, hasConfiguredKeys, ...rest } = context;
  return new DemoMode(
    { ...rest, configured: hasConfiguredKeys ? authorizer : undefined },
    option === true ? {} : option,
  );
}

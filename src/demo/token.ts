import { SignJWT } from 'jose';
import type { DemoUser } from './users.js';

/**
 * Every demo token is confined to topics under this prefix. A fixed, non-resolvable host: the
 * demo can never publish on, or read the private updates of, an application's topics.
 */
export const DEMO_TOPIC_PREFIX = 'https://demo.herald.dev/';

/** Short enough that a token copied out of the page is soon useless; the page refreshes it. */
export const DEMO_TOKEN_TTL_MS = 10 * 60 * 1000;

/**
 * The subscriptions API, for the demo's own topics only (presence in the chat): the topic is one
 * percent-encoded path segment, so the encoded demo prefix is a literal of the template and
 * `{rest}` takes the remainder. An application's subscribers stay invisible to demo tokens.
 */
const ENCODED_PREFIX = encodeURIComponent(DEMO_TOPIC_PREFIX);
const DEMO_SUBSCRIPTIONS_SELECTORS = [
  `/.well-known/mercure/subscriptions/${ENCODED_PREFIX}{rest}`,
  `/.well-known/mercure/subscriptions/${ENCODED_PREFIX}{rest}/{subscriber}`,
];

/**
 * What the pages publish on, and nothing else: the ticker's `stocks/…` topics belong to the
 * in-process publisher, so no page (and no token copied out of one) can forge a price.
 */
const DEMO_PUBLISH_SELECTORS = [
  `${DEMO_TOPIC_PREFIX}notifications`,
  `${DEMO_TOPIC_PREFIX}users/{user}`,
  `${DEMO_TOPIC_PREFIX}chat/{room}`,
  `${DEMO_TOPIC_PREFIX}lab/{run}`,
];

export type DemoRole = 'publisher' | 'subscriber';

export interface DemoTokenRequest {
  role: DemoRole;
  /** Shown to other participants (subscription `payload.name`). */
  name: string;
  /** A fake user: the token may then read that user's private topic, `users/{id}`, and no other. */
  user?: DemoUser | undefined;
  nowMs: number;
  /** A unique suffix of the subject, so two tabs with the same name stay two subscribers. */
  nonce: string;
}

export interface DemoToken {
  token: string;
  subject: string;
  role: DemoRole;
  expiresAtMs: number;
  topicPrefix: string;
  user?: DemoUser | undefined;
}

/** The private topic of a fake user: private updates there reach that user's tabs only. */
export function demoUserTopic(userId: string): string {
  return `${DEMO_TOPIC_PREFIX}users/${userId}`;
}

/**
 * A Mercure 0.x token (`mercure` claim, HS256) signed with the demo key. A `publisher` may publish
 * on the topics the pages write (notifications, users, chat rooms, lab runs); a `subscriber`
 * publishes nothing (the chat's read-only reader). Private updates are readable only on the
 * token's own user topic (if any) and in the subscriptions API of demo topics.
 */
export async function issueDemoToken(secret: Uint8Array, request: DemoTokenRequest): Promise<DemoToken> {
  const { user } = request;
  const subject = `${user?.id ?? request.name}#${request.nonce}`;
  const expiresAtMs = request.nowMs + DEMO_TOKEN_TTL_MS;
  const own = user === undefined ? [] : [demoUserTopic(user.id), `${demoUserTopic(user.id)}/{+path}`];
  const mercure = {
    publish: request.role === 'publisher' ? DEMO_PUBLISH_SELECTORS : [],
    subscribe: [...own, ...DEMO_SUBSCRIPTIONS_SELECTORS],
    payload: { name: request.name, role: request.role, ...(user ? { user: user.id } : {}) },
  };
  const token = await new SignJWT({ mercure })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuedAt(Math.floor(request.nowMs / 1000))
    .setExpirationTime(Math.floor(expiresAtMs / 1000))
    .sign(secret);
  return { token, subject, role: request.role, expiresAtMs, topicPrefix: DEMO_TOPIC_PREFIX, user };
}

/** Names are shown in other tabs: keep them short and printable. */
export function sanitizeDemoName(raw: string | null | undefined, fallback: string): string {
  const cleaned = (raw ?? '')
    .replace(/[^\p{L}\p{N} ._-]/gu, '')
    .trim()
    .slice(0, 24);
  return cleaned === '' ? fallback : cleaned;
}

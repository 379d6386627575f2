import { SignJWT } from 'jose';

/**
 * Every demo token is confined to topics under this prefix (an RFC 6570 template, so `{+path}`
 * spans slashes). A fixed, non-resolvable host: the demo can never publish on an application's topics.
 */
export const DEMO_TOPIC_PREFIX = 'https://demo.herald.dev/';

/** Short enough that a token copied out of the page is soon useless; the page refreshes it. */
export const DEMO_TOKEN_TTL_MS = 10 * 60 * 1000;

/** The subscriptions API (one topic's list, and its subscription events): presence in the chat card. */
const DEMO_SUBSCRIPTIONS_SELECTORS = [
  '/.well-known/mercure/subscriptions/{topic}',
  '/.well-known/mercure/subscriptions/{topic}/{subscriber}',
];

export type DemoRole = 'publisher' | 'subscriber';

export interface DemoTokenRequest {
  role: DemoRole;
  /** Shown to other participants (subscription `payload.name`). */
  name: string;
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
}

/**
 * A Mercure 0.x token (`mercure` claim, HS256) signed with the demo key. A `subscriber` may read
 * the demo's private updates and presence but publish nothing: the chat's read-only user.
 */
export async function issueDemoToken(secret: Uint8Array, request: DemoTokenRequest): Promise<DemoToken> {
  const topics = `${DEMO_TOPIC_PREFIX}{+path}`;
  const subject = `${request.name}#${request.nonce}`;
  const expiresAtMs = request.nowMs + DEMO_TOKEN_TTL_MS;
  const mercure = {
    publish: request.role === 'publisher' ? [topics] : [],
    subscribe: [topics, ...DEMO_SUBSCRIPTIONS_SELECTORS],
    payload: { name: request.name, role: request.role },
  };
  const token = await new SignJWT({ mercure })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuedAt(Math.floor(request.nowMs / 1000))
    .setExpirationTime(Math.floor(expiresAtMs / 1000))
    .sign(secret);
  return { token, subject, role: request.role, expiresAtMs, topicPrefix: DEMO_TOPIC_PREFIX };
}

/** Names are shown in other tabs: keep them short and printable. */
export function sanitizeDemoName(raw: string | null | undefined, fallback: string): string {
  const cleaned = (raw ?? '')
    .replace(/[^\p{L}\p{N} ._-]/gu, '')
    .trim()
    .slice(0, 24);
  return cleaned === '' ? fallback : cleaned;
}

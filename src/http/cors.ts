import type { IncomingHttpHeaders } from 'node:http';

export interface CorsOptions {
  /** Origins allowed to call the hub from a browser, exactly as browsers send them (`https://app.example`). */
  allowedOrigins: string[];
}

/**
 * CORS headers for an allowed origin. The allowlist is explicit and the matching origin is echoed:
 * `*` cannot be combined with credentials, and the cookie transport of tokens needs credentials.
 */
export function corsHeaders(origin: string | undefined, options: CorsOptions): Record<string, string> {
  if (origin === undefined || !options.allowedOrigins.includes(origin)) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    // The cursor answers (0.x Last-Event-ID, draft-08 Mercure-Last-Event-ID) let a client detect
    // loss; Date lets a cross-origin client estimate its clock offset from the response.
    'access-control-expose-headers': 'Last-Event-ID, Mercure-Last-Event-ID, Link, Date',
    vary: 'Origin',
  };
}

export function preflightHeaders(headers: IncomingHttpHeaders, options: CorsOptions): Record<string, string> {
  const base = corsHeaders(headers.origin, options);
  if (!base['access-control-allow-origin']) return {};
  return {
    ...base,
    'access-control-allow-methods': 'GET, POST, QUERY, DELETE, OPTIONS',
    'access-control-allow-headers': 'Authorization, Content-Type, Last-Event-ID, Cache-Control',
    'access-control-max-age': '600',
  };
}

/**
 * Publishing with a cookie is a cross-site request forgery risk: a page on another site could make
 * the browser send the cookie. With cookie authentication, the `Origin` must be allowed (or be the
 * hub's own).
 */
export function isOriginAllowedForCookie(
  origin: string | undefined,
  hubOrigin: string | undefined,
  options: CorsOptions,
): boolean {
  if (origin === undefined) return false;
  return origin === hubOrigin || options.allowedOrigins.includes(origin);
}

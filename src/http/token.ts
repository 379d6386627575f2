import type { IncomingHttpHeaders } from 'node:http';
import { isJwtAccessToken } from '../hub/index.js';
import { tokenPresentationError } from './send.js';

export type TokenSource = 'header' | 'query' | 'cookie';

export interface PresentedToken {
  token: string;
  source: TokenSource;
}

/** The cookie name draft-08 recommends, advertised in the protected resource metadata. */
export const RECOMMENDED_TOKEN_COOKIE = '__Secure-mercure_access_token';
/**
 * Cookie names read, first found wins: the recommended one, `mercureAccessToken` (an earlier
 * draft-08 revision) and the 0.x `mercureAuthorization`.
 */
export const TOKEN_COOKIES = [RECOMMENDED_TOKEN_COOKIE, 'mercureAccessToken', 'mercureAuthorization'];
/** The 0.x query parameter: 0.x tokens only (draft-08 accepts no token in the URL). */
export const LEGACY_TOKEN_QUERY_PARAM = 'authorization';
/** RFC 6750 §2.3, which draft-08 does not accept: present, it is refused rather than ignored. */
const ACCESS_TOKEN_QUERY_PARAM = 'access_token';

/** `Bearer` (any case, RFC 9110 §11.1), one or more spaces, an RFC 6750 b64token. */
const BEARER_HEADER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const BEARER_SCHEME = /^Bearer(?:\s|$)/i;

/**
 * Selects exactly one token (draft-08 §Presenting the Access Token): the `Authorization` header
 * when present, any cookie then ignored; else, for 0.x clients, the `authorization` query
 * parameter; else the cookie. Throws a 400 `invalid_request` (§Error Responses: "the malformed
 * element is the access token or its presentation") for a malformed Bearer header, for the
 * `access_token` query parameter, and for a draft-08 access token in the query: a token in a URL
 * leaks into logs and history (RFC 9700), so the client is told instead of silently served as
 * anonymous. A header of another scheme (`Basic`, from a proxy or a browser's cached credentials)
 * carries no access token: RFC 6750 §3.1 treats it as no authentication information.
 */
export function presentedToken(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
): PresentedToken | undefined {
  if (query.has(ACCESS_TOKEN_QUERY_PARAM)) {
    throw tokenPresentationError(
      'the access_token query parameter is not accepted: send the token in an Authorization header',
    );
  }
  const authorization = headers.authorization;
  if (authorization !== undefined && BEARER_SCHEME.test(authorization)) {
    const match = BEARER_HEADER.exec(authorization);
    if (match?.[1] === undefined) {
      throw tokenPresentationError('the Authorization header must be "Bearer", a space and the access token');
    }
    return { token: match[1], source: 'header' };
  }
  const legacy = query.get(LEGACY_TOKEN_QUERY_PARAM);
  if (legacy !== null) {
    if (isJwtAccessToken(legacy)) {
      throw tokenPresentationError(
        'an at+jwt access token is not accepted in the URL: send it in an Authorization header',
      );
    }
    return { token: legacy, source: 'query' };
  }
  const cookies = parseCookies(headers.cookie);
  for (const name of TOKEN_COOKIES) {
    const value = cookies.get(name);
    if (value !== undefined) return { token: value, source: 'cookie' };
  }
  return undefined;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // Keep the raw value: a malformed escape fails token verification later, with a 401.
    }
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

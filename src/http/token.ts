import type { IncomingHttpHeaders } from 'node:http';

export type TokenSource = 'header' | 'query' | 'cookie';

export interface PresentedToken {
  token: string;
  source: TokenSource;
}

/** Cookie names: draft-08 recommends `mercureAccessToken`; 0.x hubs use `mercureAuthorization`. */
export const TOKEN_COOKIES = ['__Secure-mercure_access_token', 'mercureAccessToken', 'mercureAuthorization'];
/** Query parameters: draft-08 `access_token` (RFC 6750), 0.x `authorization`. */
export const TOKEN_QUERY_PARAMS = ['access_token', 'authorization'];

/**
 * Selects exactly one token, by the precedence of draft-08: the `Authorization` header, then the
 * query parameter, then the cookie; the others are ignored.
 */
export function presentedToken(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
): PresentedToken | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
    return { token: match?.[1] ?? '', source: 'header' };
  }
  for (const name of TOKEN_QUERY_PARAMS) {
    const value = query.get(name);
    if (value !== null) return { token: value, source: 'query' };
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

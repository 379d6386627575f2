/**
 * Stable error codes of topic selectors and authorization. The HTTP layer branches on `code`, never
 * on message text: selector errors are 400 (or 401 `invalid_token` when the selector came from a
 * token), authorization errors map as documented on `AuthErrorCode`.
 */
export type SelectorErrorCode =
  /** The selector is the empty string. */
  | 'SELECTOR_EMPTY'
  /** Longer than the configured maximum (a denial-of-service guard on compile and match cost). */
  | 'SELECTOR_TOO_LONG'
  /** Holds a C0/C1 control character, DEL or a Unicode format (Cf) character: forbidden in matchers. */
  | 'SELECTOR_CONTROL_CHARACTER'
  /** Not a valid pattern of its kind (URL Pattern syntax error, relative pattern without a base). */
  | 'SELECTOR_INVALID'
  /** A URL pattern whose regular-expression groups or wildcard count could make matching slow. */
  | 'SELECTOR_TOO_COMPLEX'
  /** A `match…` query parameter or a token matcher's `match_type` that names no supported matcher type. */
  | 'SELECTOR_UNKNOWN_KIND';

export class SelectorError extends Error {
  override readonly name = 'SelectorError';
  readonly code: SelectorErrorCode;
  /** Where the selector came from: the query parameter (`topic`, `match`, …) or token claim. */
  readonly field: string;

  constructor(code: SelectorErrorCode, message: string, field: string) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

/**
 * `TOKEN_*` codes map to 401 (with `error="invalid_token"` except `TOKEN_MISSING`, which carries no
 * error code per RFC 6750 §3.1); `FORBIDDEN` maps to 403 `insufficient_scope`.
 */
export type AuthErrorCode =
  | 'TOKEN_MISSING'
  /** Bad signature, unsigned, algorithm not allowed or not fit for the key, malformed, bad claims. */
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  /** `aud` missing, empty, or without the hub's resource identifier. */
  | 'TOKEN_AUDIENCE'
  | 'FORBIDDEN';

/** Messages name the failed check, never the token or its claims' values (they end up in logs). */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;

  constructor(code: AuthErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  /** The HTTP status this error maps to. */
  get status(): 401 | 403 {
    return this.code === 'FORBIDDEN' ? 403 : 401;
  }
}

/** Stable codes for a publication the hub refuses before storing it. */
export type PublishErrorCode =
  | 'TOPIC_MISSING'
  | 'TOPIC_INVALID'
  /** The topic addresses `/.well-known/mercure`, which only the hub itself may publish under, or is `*`. */
  | 'TOPIC_RESERVED'
  | 'TOO_MANY_TOPICS'
  | 'ID_INVALID'
  | 'TYPE_INVALID'
  | 'RETRY_INVALID'
  | 'DATA_INVALID'
  | 'FIELD_TOO_LARGE';

export class PublishError extends Error {
  override readonly name = 'PublishError';
  readonly code: PublishErrorCode;
  /** The form field at fault (`topic`, `id`, `type`, `retry`, `data`). */
  readonly field: string;

  constructor(code: PublishErrorCode, message: string, field: string) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

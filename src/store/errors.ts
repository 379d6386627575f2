/**
 * Stable error codes of the stores and brokers. The hub and the HTTP layer branch on `code`, never
 * on the message text (a duplicate id is the publisher's fault, a closed store is ours).
 */
export type StoreErrorCode =
  /** `append` met an id that a kept event already has; nothing was written. */
  | 'DUPLICATE_ID'
  /** The store or broker was used after `close()`. */
  | 'CLOSED'
  /** `openStore` got a URL it cannot parse or a scheme it does not know. */
  | 'INVALID_URL'
  /** An argument is out of range: a negative cursor, a non-integer limit or instant, a bad policy. */
  | 'INVALID_ARGUMENT'
  /** The backing storage could not be opened (missing directory, permissions, not a database). */
  | 'OPEN_FAILED'
  /** The storage failed (disk full, I/O error, lock held too long); retrying later may succeed. */
  | 'UNAVAILABLE'
  /** The database was written by a newer Herald whose schema this version does not know. */
  | 'SCHEMA_TOO_NEW';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function closedError(what: string): StoreError {
  return new StoreError('CLOSED', `${what} is closed`);
}

import type { StoredEvent, StoreErrorCode } from '../hub/index.js';

export type { StoreErrorCode };

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  /** DUPLICATE_ID: the kept event the append was refused for (the hub answers with it). */
  readonly existing: StoredEvent | undefined;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown; existing?: StoredEvent }) {
    super(message, options);
    this.code = code;
    this.existing = options?.existing;
  }
}

export function closedError(what: string): StoreError {
  return new StoreError('CLOSED', `${what} is closed`);
}

/** The refusal of an append that repeats `existing`, or meets it as an exclusive id (see `Store`). */
export function duplicateIdError(existing: StoredEvent, cause?: unknown): StoreError {
  return new StoreError('DUPLICATE_ID', `An event with id ${JSON.stringify(existing.id)} is already stored`, {
    cause,
    existing,
  });
}

import type { StoreErrorCode } from '../hub/index.js';

export type { StoreErrorCode };

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

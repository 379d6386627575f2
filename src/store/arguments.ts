/**
 * Argument checks shared by every Store adapter, so that memory, SQLite and Redis reject the same
 * inputs with the same code instead of each failing in its own way (SQLite would happily store a
 * float cursor bound; a JavaScript array would return nothing).
 */
import type { Cursor } from '../hub/index.js';
import { StoreError } from './errors.js';

export function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function checkPublishedAtMs(publishedAtMs: number): void {
  if (!isNonNegativeInteger(publishedAtMs)) {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `publishedAtMs must be a non-negative integer of milliseconds, got ${publishedAtMs}`,
    );
  }
}

export function checkRange(after: Cursor, upTo: Cursor, limit: number): void {
  if (!isNonNegativeInteger(after)) {
    throw new StoreError('INVALID_ARGUMENT', `after must be a non-negative integer cursor, got ${after}`);
  }
  if (!isNonNegativeInteger(upTo)) {
    throw new StoreError('INVALID_ARGUMENT', `upTo must be a non-negative integer cursor, got ${upTo}`);
  }
  if (!isNonNegativeInteger(limit) || limit === 0) {
    throw new StoreError('INVALID_ARGUMENT', `limit must be a positive integer, got ${limit}`);
  }
}

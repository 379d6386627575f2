/**
 * UUIDv7 (RFC 9562 §5.7): 48-bit Unix milliseconds, then randomness, so ids sort by creation time
 * and keep a B-tree index append-friendly. No imports at all: the browser client uses
 * `timeOfUuidv7` too, and only the Web Crypto global is needed.
 *
 * Monotonicity within a millisecond follows RFC 9562 §6.2 method 1: the 12-bit `rand_a` field is a
 * counter, seeded randomly with its top bit clear (so at least 2048 ids fit in one millisecond) and
 * incremented per id. When it overflows, or when the clock steps backwards, the generator borrows
 * the next millisecond instead: ids stay strictly increasing, their time may run ahead briefly.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Lays out a UUIDv7 from its millisecond time, a 12-bit `rand_a` and 8 bytes for `rand_b`.
 *
 * The hex is joined in one step from a 256-entry table: `join` builds one flat string. Building it
 * with `+=` (or a template literal, which V8 compiles to the same additions) makes a rope of ~30
 * string nodes (~0.8 KB) that a subscriber id kept for as long as the connection lived (heap
 * snapshot, bench/profile/idle-memory.ts).
 */
export function formatUuidv7(unixMs: number, randA: number, randB: Uint8Array): string {
  const b = new Uint8Array(16);
  let ms = unixMs;
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = 0x70 | ((randA >> 8) & 0x0f);
  b[7] = randA & 0xff;
  for (let i = 0; i < 8; i++) b[8 + i] = randB[i] ?? 0;
  b[8] = 0x80 | ((b[8] ?? 0) & 0x3f);
  const parts = new Array<string>(20);
  for (let i = 0, p = 0; i < 16; i++) {
    parts[p++] = HEX[b[i] ?? 0] ?? '00';
    if (i === 3 || i === 5 || i === 7 || i === 9) parts[p++] = '-';
  }
  return parts.join('');
}

/**
 * Random bytes drawn per refill: 409 ids' worth (10 bytes each). One `getRandomValues` call per id
 * was 13% of the busy time of a publish-heavy profile (bench/profile/cpu-publish.ts); one per 409
 * ids draws the same CSPRNG bytes at a fraction of the cost.
 */
const POOL_BYTES = 4096;
const BYTES_PER_ID = 10;

/** A generator with its own monotonic state (one per process is the norm: `uuidv7` below). */
export function createUuidv7Generator(): (nowMs: number) => string {
  let lastMs = -1;
  let counter = 0;
  const pool = new Uint8Array(POOL_BYTES);
  let offset = POOL_BYTES;
  return (nowMs: number): string => {
    if (!Number.isSafeInteger(nowMs) || nowMs < 0 || nowMs > 0xffff_ffff_ffff) {
      throw new RangeError(`uuidv7 needs integer milliseconds in 0..2^48-1, got ${nowMs}`);
    }
    if (offset + BYTES_PER_ID > POOL_BYTES) {
      globalThis.crypto.getRandomValues(pool);
      offset = 0;
    }
    const random = pool.subarray(offset, offset + BYTES_PER_ID);
    offset += BYTES_PER_ID;
    if (nowMs > lastMs) {
      lastMs = nowMs;
      counter = ((random[8]! << 8) | random[9]!) & 0x7ff;
    } else if (++counter > 0xfff) {
      lastMs += 1;
      counter = ((random[8]! << 8) | random[9]!) & 0x7ff;
    }
    return formatUuidv7(lastMs, counter, random);
  };
}

/** A UUIDv7 for `nowMs` (no `urn:uuid:` prefix), strictly greater than the previous one from this process. */
export const uuidv7: (nowMs: number) => string = createUuidv7Generator();

const UUID_V7 = /^(?:urn:uuid:)?([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * The creation time (Unix milliseconds) written in a UUIDv7, with or without the `urn:uuid:`
 * prefix; `undefined` when the text is not a UUIDv7 (wrong shape, version or variant).
 */
export function timeOfUuidv7(id: string): number | undefined {
  const m = UUID_V7.exec(id);
  if (m === null) return undefined;
  return Number.parseInt(m[1]! + m[2]!, 16);
}

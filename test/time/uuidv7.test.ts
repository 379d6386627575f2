import { describe, expect, it } from 'vitest';
import { occurrenceEventId } from '../../src/schedule/occurrence-id.js';
import { createUuidv7Generator, timeOfUuidv7 } from '../../src/time/uuidv7.js';

const SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('has the RFC 9562 version 7 and variant bits and carries its millisecond time', () => {
    const next = createUuidv7Generator();
    const id = next(Date.UTC(2026, 10, 25, 14, 34, 45, 123));
    expect(id).toMatch(SHAPE);
    expect(timeOfUuidv7(id)).toBe(Date.UTC(2026, 10, 25, 14, 34, 45, 123));
  });

  it('is strictly increasing within one millisecond, past the 12-bit counter', () => {
    const next = createUuidv7Generator();
    const ids = Array.from({ length: 10_000 }, () => next(1_700_000_000_000));
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stays increasing when the clock steps backwards', () => {
    const next = createUuidv7Generator();
    const a = next(1_700_000_000_500);
    const b = next(1_700_000_000_000);
    expect(b > a).toBe(true);
  });

  it('rejects times that do not fit 48 bits', () => {
    const next = createUuidv7Generator();
    expect(() => next(-1)).toThrow(RangeError);
    expect(() => next(2 ** 48)).toThrow(RangeError);
    expect(() => next(1.5)).toThrow(RangeError);
  });
});

describe('timeOfUuidv7', () => {
  it('accepts the urn:uuid: prefix and upper case', () => {
    const id = createUuidv7Generator()(2 ** 31 * 1000);
    expect(timeOfUuidv7(`urn:uuid:${id}`)).toBe(2 ** 31 * 1000);
    expect(timeOfUuidv7(id.toUpperCase())).toBe(2 ** 31 * 1000);
  });

  it('answers undefined for other UUID versions and non-UUIDs', () => {
    expect(timeOfUuidv7('550e8400-e29b-41d4-a716-446655440000')).toBeUndefined();
    expect(timeOfUuidv7('not-a-uuid')).toBeUndefined();
    expect(timeOfUuidv7('0190b1a2-3c4d-7e5f-0a1b-2c3d4e5f6a7b')).toBeUndefined(); // variant bits 00
  });
});

describe('occurrenceEventId', () => {
  it('is the same for the same occurrence and differs between occurrences and schedules', () => {
    const a = occurrenceEventId('s1', 1_800_000_000_000);
    expect(occurrenceEventId('s1', 1_800_000_000_000)).toBe(a);
    expect(occurrenceEventId('s1', 1_800_000_086_400)).not.toBe(a);
    expect(occurrenceEventId('s2', 1_800_000_000_000)).not.toBe(a);
  });

  it('is a urn:uuid UUIDv7 carrying the due instant', () => {
    const id = occurrenceEventId('s1', 1_800_000_000_000);
    expect(id.startsWith('urn:uuid:')).toBe(true);
    expect(id.slice(9)).toMatch(SHAPE);
    expect(timeOfUuidv7(id)).toBe(1_800_000_000_000);
  });
});

import { describe, expect, it } from 'vitest';
import { TimeError } from '../../src/time/errors.js';
import { formatInstant, parseInstant } from '../../src/time/instant.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TimeError);
    return (error as TimeError).code;
  }
  return undefined;
}

describe('formatInstant', () => {
  it('writes RFC 3339 UTC with milliseconds', () => {
    expect(formatInstant(Date.UTC(2026, 10, 25, 14, 34, 45, 123))).toBe('2026-11-25T14:34:45.123Z');
    expect(formatInstant(0)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('writes instants past 2038 and in 2100', () => {
    expect(formatInstant(2 ** 31 * 1000)).toBe('2038-01-19T03:14:08.000Z');
    expect(formatInstant(Date.UTC(2100, 1, 28, 23, 59, 59, 999))).toBe('2100-02-28T23:59:59.999Z');
  });

  it('refuses fractional and out-of-range milliseconds', () => {
    expect(codeOf(() => formatInstant(1.5))).toBe('TIME_INVALID_INSTANT');
    expect(codeOf(() => formatInstant(Number.NaN))).toBe('TIME_INVALID_INSTANT');
    expect(codeOf(() => formatInstant(1e16))).toBe('TIME_INVALID_INSTANT');
  });
});

describe('parseInstant', () => {
  it('reads Z and numeric offsets to the same instant', () => {
    const ms = Date.UTC(2026, 10, 25, 14, 34, 45, 123);
    expect(parseInstant('2026-11-25T14:34:45.123Z')).toBe(ms);
    expect(parseInstant('2026-11-25T15:34:45.123+01:00')).toBe(ms);
    expect(parseInstant('2026-11-25T20:19:45.123+05:45')).toBe(ms);
    expect(parseInstant('2026-11-25t14:34:45.123z')).toBe(ms);
  });

  it('round-trips through formatInstant', () => {
    for (const text of ['2038-01-19T03:14:08.000Z', '2100-03-01T00:00:00.001Z', '1999-12-31T23:59:59.999Z']) {
      expect(formatInstant(parseInstant(text))).toBe(text);
    }
  });

  it('truncates fractions beyond milliseconds', () => {
    expect(formatInstant(parseInstant('2026-01-01T00:00:00.123999Z'))).toBe('2026-01-01T00:00:00.123Z');
  });

  it('reads a leap second as the last millisecond of its minute', () => {
    expect(formatInstant(parseInstant('2016-12-31T23:59:60Z'))).toBe('2016-12-31T23:59:59.999Z');
    expect(formatInstant(parseInstant('2017-01-01T05:44:60+05:45'))).toBe('2016-12-31T23:59:59.999Z');
  });

  it('rejects numbers, so seconds and milliseconds cannot be confused', () => {
    expect(codeOf(() => parseInstant(1764081285))).toBe('TIME_NOT_A_STRING');
    expect(codeOf(() => parseInstant(1764081285123))).toBe('TIME_NOT_A_STRING');
    expect(codeOf(() => parseInstant('1764081285123'))).toBe('TIME_INVALID_INSTANT');
  });

  it('asks for a zone when the offset is missing', () => {
    expect(codeOf(() => parseInstant('2026-11-25T14:34:45'))).toBe('TIME_ZONE_REQUIRED');
  });

  it('rejects impossible dates and malformed text, naming the field', () => {
    for (const text of [
      '2100-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T00:00Z',
      '2026-01-01 00:00:00Z',
      '2026-01-01T00:00:00+24:00',
      '',
    ]) {
      expect(codeOf(() => parseInstant(text))).toBe('TIME_INVALID_INSTANT');
    }
    try {
      parseInstant('nope', 'at');
    } catch (error) {
      expect((error as TimeError).field).toBe('at');
    }
  });

  it('accepts 29 February in a leap year, also in 2400', () => {
    expect(formatInstant(parseInstant('2028-02-29T12:00:00Z'))).toBe('2028-02-29T12:00:00.000Z');
    expect(formatInstant(parseInstant('2400-02-29T12:00:00Z'))).toBe('2400-02-29T12:00:00.000Z');
  });
});

import { describe, expect, it } from 'vitest';
import { type DeliveryTimeInput, resolveDeliveryTime } from '../../src/time/delivery-time.js';
import { TimeError } from '../../src/time/errors.js';
import { formatInstant } from '../../src/time/instant.js';

const nowMs = Date.UTC(2026, 0, 1);

function due(input: DeliveryTimeInput, options = { nowMs }): string {
  const resolved = resolveDeliveryTime(input, options);
  if (resolved === undefined) throw new Error('expected a delivery time');
  return formatInstant(resolved.dueAtMs);
}

function failure(input: DeliveryTimeInput, options = { nowMs }): TimeError {
  try {
    resolveDeliveryTime(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(TimeError);
    return error as TimeError;
  }
  throw new Error('expected a TimeError');
}

const local = (text: string, zone: string, disambiguation?: string): DeliveryTimeInput => ({
  local: text,
  zone,
  disambiguation,
});

describe('resolveDeliveryTime: instants', () => {
  it('answers undefined when no delivery field is set (publish now)', () => {
    expect(resolveDeliveryTime({}, { nowMs })).toBeUndefined();
  });

  it('takes an RFC 3339 instant with Z or offset', () => {
    expect(due({ at: '2026-06-01T12:00:00.250Z' })).toBe('2026-06-01T12:00:00.250Z');
    expect(due({ at: '2026-06-01T14:00:00+02:00' })).toBe('2026-06-01T12:00:00.000Z');
  });

  it('makes an instant in the past due now and flags it', () => {
    const resolved = resolveDeliveryTime({ at: '2025-12-31T23:00:00Z' }, { nowMs })!;
    expect(resolved.dueAtMs).toBe(nowMs);
    expect(resolved.isPast).toBe(true);
    expect(formatInstant(resolved.requestedAtMs)).toBe('2025-12-31T23:00:00.000Z');
  });

  it('rejects an instant beyond the horizon, naming the field', () => {
    const error = failure({ at: '2036-01-02T00:00:00Z' });
    expect([error.code, error.field]).toEqual(['TIME_BEYOND_HORIZON', 'deliver_at']);
    expect(due({ at: '2035-12-31T00:00:00Z' })).toBe('2035-12-31T00:00:00.000Z');
    expect(failure({ at: '2026-01-02T00:00:00Z' }, { nowMs, horizonMs: 3_600_000 } as never).code).toBe(
      'TIME_BEYOND_HORIZON',
    );
  });

  it('handles dates in 2038 and 2100 (with a horizon that reaches them)', () => {
    const in2037 = { nowMs: Date.UTC(2037, 0, 1) };
    expect(due({ at: '2038-01-19T03:14:08Z' }, in2037)).toBe('2038-01-19T03:14:08.000Z');
    expect(due(local('2038-07-01T09:00', 'Europe/Oslo'), in2037)).toBe('2038-07-01T07:00:00.000Z');
    const far = { nowMs: Date.UTC(2099, 0, 1) };
    expect(due(local('2100-07-01T09:00', 'America/New_York'), far)).toBe('2100-07-01T13:00:00.000Z');
    expect(due(local('2100-01-01T09:00', 'America/New_York'), far)).toBe('2100-01-01T14:00:00.000Z');
    expect(failure(local('2100-02-29T09:00', 'UTC'), far).code).toBe('TIME_INVALID_LOCAL');
  });

  it('rejects numbers where a string is expected', () => {
    expect(failure({ at: 1767225600 }).code).toBe('TIME_NOT_A_STRING');
    expect(failure({ at: 1767225600000 }).field).toBe('deliver_at');
    expect(failure({ local: 1767225600000, zone: 'UTC' }).code).toBe('TIME_NOT_A_STRING');
    expect(failure({ local: '2026-06-01T09:00', zone: 60 }).code).toBe('TIME_NOT_A_STRING');
  });

  it('reads a leap second as the last millisecond of the minute', () => {
    expect(due({ at: '2026-12-31T23:59:60Z' })).toBe('2026-12-31T23:59:59.999Z');
    expect(due(local('2026-12-31T23:59:60', 'Europe/Oslo'))).toBe('2026-12-31T22:59:59.999Z');
  });

  it('refuses deliver_at and deliver_local together, and zone fields without a time', () => {
    expect(failure({ at: '2026-06-01T12:00:00Z', local: '2026-06-01T12:00', zone: 'UTC' }).code).toBe(
      'TIME_CONFLICTING_FIELDS',
    );
    expect(failure({ zone: 'Europe/Oslo' })).toMatchObject({
      code: 'TIME_MISSING_TIME',
      field: 'deliver_tz',
    });
  });
});

describe('resolveDeliveryTime: zones', () => {
  it('asks for a zone when a local time has none', () => {
    expect(failure({ local: '2026-06-01T09:00' })).toMatchObject({
      code: 'TIME_ZONE_REQUIRED',
      field: 'deliver_tz',
    });
    expect(failure({ at: '2026-06-01T09:00:00' })).toMatchObject({
      code: 'TIME_ZONE_REQUIRED',
      field: 'deliver_at',
    });
  });

  it('rejects an unknown zone and offset pseudo-zones', () => {
    expect(failure(local('2026-06-01T09:00', 'Mars/Olympus_Mons'))).toMatchObject({
      code: 'TIME_UNKNOWN_ZONE',
      field: 'deliver_tz',
    });
    expect(failure(local('2026-06-01T09:00', '+02:00')).code).toBe('TIME_UNKNOWN_ZONE');
  });

  it('canonicalises the zone name', () => {
    expect(resolveDeliveryTime(local('2026-06-01T09:00', 'europe/oslo'), { nowMs })!.zone).toBe(
      'Europe/Oslo',
    );
  });

  it('rejects an offset that contradicts the zone, and accepts one that agrees', () => {
    expect(failure(local('2026-06-01T09:00+01:00', 'Europe/Oslo'))).toMatchObject({
      code: 'TIME_OFFSET_MISMATCH',
      field: 'deliver_local',
    });
    expect(due(local('2026-06-01T09:00+02:00', 'Europe/Oslo'))).toBe('2026-06-01T07:00:00.000Z');
    expect(failure({ at: '2026-06-01T09:00:00+01:00', zone: 'Europe/Oslo' }).code).toBe(
      'TIME_OFFSET_MISMATCH',
    );
  });

  it('uses the offset to pick a reading in an overlap', () => {
    expect(due(local('2026-10-25T02:30+01:00', 'Europe/Oslo'))).toBe('2026-10-25T01:30:00.000Z');
    expect(due(local('2026-10-25T02:30+02:00', 'Europe/Oslo'))).toBe('2026-10-25T00:30:00.000Z');
  });

  it('handles Asia/Kathmandu at +05:45', () => {
    expect(due(local('2026-06-01T09:00', 'Asia/Kathmandu'))).toBe('2026-06-01T03:15:00.000Z');
    expect(due(local('2026-06-01T09:00+05:45', 'Asia/Kathmandu'))).toBe('2026-06-01T03:15:00.000Z');
  });
});

describe('resolveDeliveryTime: DST gaps and overlaps', () => {
  const cases = [
    // zone, wall time, kind, earlier, later
    ['Europe/Oslo', '2026-03-29T02:30', 'gap', '2026-03-29T00:30:00.000Z', '2026-03-29T01:30:00.000Z'],
    ['Europe/Oslo', '2026-10-25T02:30', 'overlap', '2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z'],
    ['America/New_York', '2026-03-08T02:30', 'gap', '2026-03-08T06:30:00.000Z', '2026-03-08T07:30:00.000Z'],
    [
      'America/New_York',
      '2026-11-01T01:30',
      'overlap',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:30:00.000Z',
    ],
    // Lord Howe moves its clocks by 30 minutes.
    [
      'Australia/Lord_Howe',
      '2026-10-04T02:10',
      'gap',
      '2026-10-03T15:10:00.000Z',
      '2026-10-03T15:40:00.000Z',
    ],
    [
      'Australia/Lord_Howe',
      '2026-04-05T01:45',
      'overlap',
      '2026-04-04T14:45:00.000Z',
      '2026-04-04T15:15:00.000Z',
    ],
  ] as const;

  for (const [zone, wall, kind, earlier, later] of cases) {
    it(`${zone} ${wall} (${kind}): earlier, later and compatible pick as Temporal does`, () => {
      expect(due(local(wall, zone, 'earlier'))).toBe(earlier);
      expect(due(local(wall, zone, 'later'))).toBe(later);
      // compatible: forward through a gap, the first reading of an overlap.
      expect(due(local(wall, zone))).toBe(kind === 'gap' ? later : earlier);
      expect(due(local(wall, zone, 'compatible'))).toBe(kind === 'gap' ? later : earlier);
    });

    it(`${zone} ${wall} (${kind}): reject answers an error carrying both candidates`, () => {
      const error = failure(local(wall, zone, 'reject'));
      expect(error.code).toBe(kind === 'gap' ? 'TIME_NONEXISTENT_LOCAL' : 'TIME_AMBIGUOUS_LOCAL');
      expect(error.field).toBe('deliver_local');
      expect(error.candidatesMs?.map(formatInstant)).toEqual([earlier, later]);
    });
  }

  it('reject accepts an unambiguous wall time', () => {
    expect(due(local('2026-06-01T09:00', 'Europe/Oslo', 'reject'))).toBe('2026-06-01T07:00:00.000Z');
  });

  it('rejects an unknown disambiguation policy', () => {
    expect(failure(local('2026-06-01T09:00', 'Europe/Oslo', 'latest'))).toMatchObject({
      code: 'TIME_INVALID_DISAMBIGUATION',
      field: 'deliver_disambiguation',
    });
  });
});

describe('resolveDeliveryTime: recurrence', () => {
  it('starts a recurrence at the first occurrence at or after now', () => {
    const resolved = resolveDeliveryTime(
      { local: '2025-06-02T09:00', zone: 'Europe/Oslo', rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR' },
      { nowMs },
    )!;
    expect(formatInstant(resolved.dueAtMs)).toBe('2026-01-01T08:00:00.000Z'); // Thursday 09:00 Oslo
    expect(resolved).toMatchObject({ zone: 'Europe/Oslo', local: '2025-06-02T09:00:00', isPast: false });
    expect(resolved.rrule).toBe('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR');
  });

  it('anchors a recurrence given as an instant in UTC unless a zone is given', () => {
    const resolved = resolveDeliveryTime({ at: '2026-01-05T09:00:00Z', rrule: 'FREQ=DAILY' }, { nowMs })!;
    expect(resolved).toMatchObject({ zone: 'UTC', local: '2026-01-05T09:00:00' });
  });

  it('rejects a rule with no occurrence left', () => {
    const error = failure({ local: '2025-01-01T09:00', zone: 'UTC', rrule: 'FREQ=DAILY;COUNT=3' });
    expect(error).toMatchObject({ code: 'RRULE_NO_OCCURRENCE', field: 'deliver_rrule' });
  });
});

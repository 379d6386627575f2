import { describe, expect, it } from 'vitest';
import { deliveryInputFromForm } from '../../src/http/schedules.js';

describe('deliveryInputFromForm', () => {
  it('reads the deliver_* fields and ignores empty ones', () => {
    const form = new URLSearchParams(
      'topic=a&deliver_local=2026-06-01T09:00&deliver_tz=Europe/Oslo&deliver_rrule=',
    );
    expect(deliveryInputFromForm(form)).toEqual({ local: '2026-06-01T09:00', zone: 'Europe/Oslo' });
  });

  it('refuses a repeated field', () => {
    const form = new URLSearchParams('deliver_at=2026-06-01T09:00:00Z&deliver_at=2026-06-02T09:00:00Z');
    expect(() => deliveryInputFromForm(form)).toThrow(
      expect.objectContaining({ code: 'TIME_REPEATED_FIELD' }),
    );
  });
});

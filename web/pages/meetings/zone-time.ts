/**
 * Wall time in an IANA zone → instant, with `Intl` alone (the page carries no Temporal): the
 * offset is read at a first guess and once more at the corrected instant, which settles every
 * case but the DST gap/overlap hours. The hub resolves the same fields authoritatively (its
 * `deliver_disambiguation` policy); this is only the preview.
 */
export function zonedWallTimeToMs(local: string, timeZone: string): number {
  const match = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?$/.exec(local);
  if (match === null) return Number.NaN;
  const [, y, mo, d, hh, mi, ss] = match.map(Number) as number[];
  const asUtc = Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, hh ?? 0, mi ?? 0, Number.isNaN(ss) ? 0 : (ss ?? 0));
  const first = asUtc - offsetMs(timeZone, asUtc);
  return asUtc - offsetMs(timeZone, first);
}

/** The zone's UTC offset at `atMs`: its wall clock read as if it were UTC, minus the instant. */
export function offsetMs(timeZone: string, atMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(atMs);
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  const wallAsUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return wallAsUtc - Math.floor(atMs / 1000) * 1000;
}

/** `YYYY-MM-DDTHH:MM` of `atMs` in `timeZone` (a `datetime-local` input's value). */
export function wallTimeIn(timeZone: string, atMs: number): string {
  return new Date(atMs + offsetMs(timeZone, atMs)).toISOString().slice(0, 16);
}

export function formatOffset(offset: number): string {
  const sign = offset < 0 ? '−' : '+';
  const minutes = Math.abs(offset) / 60_000;
  return `UTC${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

import type { SharedEventSource } from '../../../src/client/index.js';
import { byId, h, prependBounded } from '../../shared/dom.js';
import type { DemoSession } from '../../shared/session.js';
import { FEED_PATHS } from './feed.js';
import { formatOffset, offsetMs, wallTimeIn, zonedWallTimeToMs } from './zone-time.js';

const ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Paris',
  'Europe/Oslo',
  'America/New_York',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Auckland',
];

interface ScheduleJson {
  id: string;
  dueAt: string;
  dueAtMs: number;
  zone?: string;
  local?: string;
}

/**
 * Card 4: "remind me at 09:00 in Oslo". The wall time and zone go to the hub as `deliver_local` +
 * `deliver_tz`; the hub turns them into an instant (Temporal) and publishes then. The card shows
 * the instant in UTC and in the viewer's own zone.
 */
export function startReminder(session: DemoSession, feed: SharedEventSource): void {
  const topic = session.topic(FEED_PATHS.reminder);
  const zoneSelect = byId<HTMLSelectElement>('reminder-zone');
  const whenInput = byId<HTMLInputElement>('reminder-when');
  const preview = byId('reminder-preview');
  const status = byId('reminder-status');
  const list = byId('reminder-list');
  const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zones = [...new Set([viewerZone, ...ZONES])];
  zoneSelect.replaceChildren(...zones.map((zone) => h('option', { value: zone }, zone)));
  zoneSelect.value = viewerZone;
  const resetWhen = () => {
    whenInput.value = wallTimeIn(zoneSelect.value, Date.now() + 60_000);
  };
  const renderPreview = () => {
    const atMs = zonedWallTimeToMs(whenInput.value, zoneSelect.value);
    if (Number.isNaN(atMs)) {
      preview.textContent = 'pick a date and time';
      return;
    }
    preview.replaceChildren(
      h('div', {}, h('span', {}, 'UTC '), h('code', {}, new Date(atMs).toISOString().replace('.000', ''))),
      h('div', {}, h('span', {}, `your zone (${viewerZone}) `), h('code', {}, describe(atMs, viewerZone))),
    );
    if (zoneSelect.value !== viewerZone) {
      preview.append(
        h('div', {}, h('span', {}, `${zoneSelect.value} `), h('code', {}, describe(atMs, zoneSelect.value))),
      );
    }
  };
  zoneSelect.addEventListener('change', () => {
    resetWhen();
    renderPreview();
  });
  whenInput.addEventListener('input', renderPreview);
  resetWhen();
  renderPreview();

  const pending = new Map<string, { dueAtMs: number; item: HTMLElement }>();
  feed.addEventListener('reminder', (event) => {
    const { text, key } = JSON.parse((event as MessageEvent<string>).data) as { text: string; key: string };
    const entry = pending.get(key);
    const lateMs = entry ? Date.now() - entry.dueAtMs : 0;
    const early = entry !== undefined && lateMs < -1500;
    const note = early
      ? 'delivered at once: this hub ignores deliver_* (scheduled delivery is coming)'
      : `delivered ${lateMs >= 0 ? `${lateMs} ms after` : `${-lateMs} ms before`} the due instant`;
    const item = entry?.item ?? h('li');
    item.replaceChildren(h('b', {}, text), h('small', {}, note));
    item.className = early ? 'early' : 'delivered';
    if (entry === undefined) prependBounded(list, item, 6);
  });

  byId<HTMLFormElement>('reminder-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = byId<HTMLInputElement>('reminder-text').value.trim() || 'Meeting';
    const key = crypto.randomUUID();
    // Registered before publishing: an immediate delivery may arrive before the response does.
    const item = h('li', { class: 'pending' }, h('b', {}, text));
    const entry = { dueAtMs: zonedWallTimeToMs(whenInput.value, zoneSelect.value), item };
    pending.set(key, entry);
    prependBounded(list, item, 6);
    const response = await session.publish(
      {
        topic,
        type: 'reminder',
        data: JSON.stringify({ text, key }),
        deliver_local: whenInput.value,
        deliver_tz: zoneSelect.value,
      },
      { accept: 'application/json' },
    );
    const body = await response.text();
    if (!response.ok) {
      item.remove();
      status.textContent = `The hub refused the reminder (${response.status}): ${body.trim()}`;
      return;
    }
    const isScheduled = response.headers.get('content-type')?.includes('json') ?? false;
    const schedule = isScheduled ? (JSON.parse(body) as ScheduleJson) : undefined;
    if (schedule) entry.dueAtMs = schedule.dueAtMs;
    status.textContent = schedule
      ? `Scheduled by the hub for ${schedule.dueAt} (${schedule.local ?? whenInput.value} ${schedule.zone ?? zoneSelect.value}).`
      : 'This hub answered with an event id: it published at once (scheduled delivery is coming).';
    if (item.classList.contains('pending')) {
      item.append(h('small', {}, `due ${describe(entry.dueAtMs, viewerZone)}`));
    }
  });
}

function describe(atMs: number, timeZone: string): string {
  const text = new Intl.DateTimeFormat(undefined, {
    timeZone,
    dateStyle: 'medium',
    timeStyle: 'medium',
  }).format(atMs);
  return `${text} (${formatOffset(offsetMs(timeZone, atMs))})`;
}

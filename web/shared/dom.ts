/** `h('div', { class: 'x' }, child, 'text')`: the page's only DOM helper. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from index.html`);
  return element as T;
}

export function formatBytes(sizeBytes: number): string {
  if (sizeBytes < 1024) return `${sizeBytes} B`;
  if (sizeBytes < 1024 * 1024) return `${(sizeBytes / 1024).toFixed(1)} KB`;
  return `${(sizeBytes / 1024 / 1024).toFixed(2)} MB`;
}

export function formatClock(ms: number, timeZone?: string): string {
  return new Intl.DateTimeFormat(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    ...(timeZone ? { timeZone } : {}),
  }).format(ms);
}

/** Keeps the newest `max` children of a list. */
export function prependBounded(list: HTMLElement, item: HTMLElement, max: number): void {
  list.prepend(item);
  while (list.children.length > max) list.lastElementChild?.remove();
}

/**
 * An event's data as a JSON object, or `undefined` when it is not one. Pages never trust a
 * stream: anyone with a demo token may publish anything on a demo topic.
 */
export function parseJsonObject(data: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** `Date`, `Intl` and Temporal refuse instants beyond ±100,000,000 days of 1970 (a RangeError). */
const MAX_TIME_MS = 8.64e15;

/** An instant (ms since the epoch) that the page can format without throwing. */
export function isShowableTime(ms: unknown): ms is number {
  return typeof ms === 'number' && Math.abs(ms) <= MAX_TIME_MS;
}

const WELL_KNOWN_PATH = '.well-known/mercure';

export interface HubUrlOptions {
  /** Topic selectors (exact topics, `*` or URI templates); one `topic` parameter each. */
  topics?: readonly string[] | undefined;
  /** Match selectors; one `match` parameter each. */
  match?: readonly string[] | undefined;
  /**
   * Resume after this event id: the `last_event_id` parameter when `match` selectors make it a
   * draft-08 request, else 0.x `lastEventID`.
   */
  lastEventId?: string | undefined;
  /** Any other query parameters; an array repeats the parameter. */
  params?: Record<string, string | readonly string[]> | undefined;
}

/**
 * Builds a hub subscription URL: `<base>/.well-known/mercure?topic=a&topic=b`. Parameters are
 * repeated rather than comma-joined (topics are URIs and may contain commas) and percent-encoded.
 * A base that already ends with `/.well-known/mercure` is used as it is; a relative base resolves
 * against the page's location in browsers.
 */
export function hubUrl(base: string | URL, options: HubUrlOptions = {}): string {
  const location = (globalThis as { location?: { href: string } }).location;
  const url = new URL(String(base), location?.href);
  if (!url.pathname.endsWith(`/${WELL_KNOWN_PATH}`)) {
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    url.pathname += WELL_KNOWN_PATH;
  }
  const query = url.searchParams;
  for (const topic of options.topics ?? []) query.append('topic', topic);
  for (const selector of options.match ?? []) query.append('match', selector);
  if (options.lastEventId !== undefined) {
    const name = (options.match?.length ?? 0) > 0 ? 'last_event_id' : 'lastEventID';
    query.set(name, options.lastEventId);
  }
  for (const [name, value] of Object.entries(options.params ?? {})) {
    for (const item of typeof value === 'string' ? [value] : value) query.append(name, item);
  }
  return url.href;
}

/**
 * The id the client last saw, from the `Last-Event-ID` header (sent by `EventSource` when it
 * reconnects) or, when the header is absent, from a query parameter: a page's first connection
 * cannot set headers, so it passes the id it resumes from in the URL.
 * Returns `undefined` when neither is present or the value is empty (an empty id means "none").
 */
export function readLastEventId(
  headerValue: string | readonly string[] | null | undefined,
  url: string | undefined,
  paramName: string | false,
): string | undefined {
  const header = typeof headerValue === 'string' ? headerValue : headerValue?.[0];
  if (header !== undefined && header !== '') return header;
  if (paramName === false || url === undefined) return undefined;
  const queryStart = url.indexOf('?');
  // Most requests have no query: skip building a URLSearchParams for them.
  if (queryStart < 0) return undefined;
  const hashStart = url.indexOf('#', queryStart);
  const query = url.slice(queryStart + 1, hashStart < 0 ? undefined : hashStart);
  const value = new URLSearchParams(query).get(paramName);
  return value === null || value === '' ? undefined : value;
}

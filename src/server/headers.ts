/**
 * Connection-specific headers are forbidden in HTTP/2 (RFC 9113 section 8.2.2): a conforming peer
 * treats a response carrying them as malformed, and `node:http2` throws when they are set.
 */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Response headers of an event stream.
 * - `Cache-Control: no-transform` also makes the `compression` middleware (and proxies that honour
 *   RFC 9111) leave the body alone, so no gzip buffer holds events back.
 * - `X-Accel-Buffering: no` turns off nginx's proxy buffering for this response.
 * - No `Connection`/`Transfer-Encoding`: Node's HTTP/1.1 server adds what it needs itself, and
 *   both are illegal on HTTP/2. When `mayBeHttp2` (HTTP/2 request, or a Fetch host whose protocol
 *   we cannot see) they are also dropped from `extra`.
 */
export function sseResponseHeaders(
  mayBeHttp2: boolean,
  extra?: Record<string, string>,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-store, no-transform',
    'x-accel-buffering': 'no',
  };
  if (extra === undefined) return headers;
  for (const [name, value] of Object.entries(extra)) {
    const lowerName = name.toLowerCase();
    if (mayBeHttp2 && CONNECTION_SPECIFIC.has(lowerName)) continue;
    headers[lowerName] = value;
  }
  return headers;
}

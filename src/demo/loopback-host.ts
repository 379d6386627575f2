/**
 * DNS-rebinding guard. A page on an attacker's site can make its own name resolve to 127.0.0.1
 * and then reach a hub on the loopback interface "same-origin"; its requests still carry the
 * attacker's name in `Host`. A loopback-only endpoint checks that name, not the socket address.
 */

/** The host name of a `Host` header value, without port; IPv6 literals keep their brackets. */
export function hostNameOf(host: string | undefined): string | undefined {
  if (host === undefined || host === '') return undefined;
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end < 0 ? undefined : value.slice(0, end + 1);
  }
  const colon = value.indexOf(':');
  return colon < 0 ? value : value.slice(0, colon);
}

const IPV4_LOOPBACK =
  /^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** `localhost`, `127.0.0.0/8` or `[::1]` (as written in a `Host` header). */
export function isLoopbackHostName(name: string): boolean {
  return name === 'localhost' || name === '[::1]' || IPV4_LOOPBACK.test(name);
}

/** Whether `host` (a `Host` header) names a loopback host or one of `allowedHosts` (names, any port). */
export function isAllowedLocalHost(host: string | undefined, allowedHosts: readonly string[]): boolean {
  const name = hostNameOf(host);
  if (name === undefined) return false;
  if (isLoopbackHostName(name)) return true;
  return allowedHosts.some((allowed) => hostNameOf(allowed) === name);
}

import type { IncomingHttpHeaders } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * The proxies whose forwarding headers Herald believes (`--trust-proxy`, `createHub({ trustProxy })`):
 * addresses and CIDR ranges, IPv4 and IPv6, and `loopback` (127.0.0.0/8 and ::1). Empty: none.
 */
export class TrustedProxies {
  readonly #list = new BlockList();
  readonly size: number;

  /** Throws a `TypeError` naming the first entry that is neither an address, a CIDR nor `loopback`. */
  constructor(entries: readonly string[]) {
    let size = 0;
    for (const raw of entries) {
      const entry = raw.trim();
      if (entry === '') continue;
      size++;
      if (entry.toLowerCase() === 'loopback') {
        this.#list.addSubnet('127.0.0.0', 8, 'ipv4');
        this.#list.addAddress('::1', 'ipv6');
        continue;
      }
      const slash = entry.indexOf('/');
      const address = slash === -1 ? entry : entry.slice(0, slash);
      const family = isIP(address);
      const prefixText = slash === -1 ? undefined : entry.slice(slash + 1);
      const maxPrefix = family === 4 ? 32 : 128;
      const prefix =
        prefixText === undefined ? maxPrefix : /^[0-9]{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
      if (family === 0 || prefix < 0 || prefix > maxPrefix) {
        throw new TypeError(
          `not an IP address, CIDR range or "loopback": ${JSON.stringify(entry)} (e.g. 127.0.0.1,10.0.0.0/8,::1)`,
        );
      }
      this.#list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    }
    this.size = size;
  }

  /** Whether `address` (a bare IPv4 or IPv6 address, IPv4-mapped included) is a trusted proxy. */
  has(address: string): boolean {
    if (this.size === 0) return false;
    const family = isIP(address);
    if (family === 0) return false;
    return this.#list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/**
 * The client's address: the peer's socket address, unless the peer is a trusted proxy; then the
 * address its forwarding header names, `Forwarded` (RFC 7239 `for=`) or else `X-Forwarded-For`,
 * walked from the right past trusted hops (the first untrusted hop is the client; if every hop is
 * trusted, the leftmost). A malformed header, or a client hop that is no address (`unknown`, an
 * obfuscated name), gives the peer's address. Never throws.
 */
export function clientAddressOf(
  peer: string,
  headers: IncomingHttpHeaders,
  trusted: TrustedProxies | undefined,
): string {
  if (trusted === undefined || !trusted.has(peer)) return peer;
  const forwarded = headerText(headers.forwarded);
  const hops =
    forwarded !== undefined ? forwardedFor(forwarded) : xForwardedFor(headerText(headers['x-forwarded-for']));
  if (hops === undefined || hops.length === 0) return peer;
  for (let index = hops.length - 1; index >= 0; index--) {
    const hop = hops[index] as string;
    const address = addressOf(hop);
    if (address === undefined) return peer;
    if (index === 0 || !trusted.has(address)) return address;
  }
  return peer;
}

/** Repeated header lines, as one list (Node joins most of them, but not every host does). */
function headerText(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value.join(',') : value;
  return text === undefined || text.trim() === '' ? undefined : text;
}

/** `X-Forwarded-For`'s entries; `undefined` without the header. */
function xForwardedFor(text: string | undefined): string[] | undefined {
  return text?.split(',').map((entry) => entry.trim());
}

/**
 * RFC 7239 §4: `forwarded-element *( "," forwarded-element )`, each `pair *( ";" pair )` with
 * `token "=" ( token / quoted-string )`. Returns each element's `for` value, or `undefined` if the
 * header does not parse or an element has none.
 */
function forwardedFor(text: string): string[] | undefined {
  const result: string[] = [];
  for (const element of splitOutsideQuotes(text, ',')) {
    if (element === undefined) return undefined;
    if (element.trim() === '') continue;
    let forValue: string | undefined;
    for (const pair of splitOutsideQuotes(element, ';')) {
      if (pair === undefined) return undefined;
      const match =
        /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)=("(?:[^"\\]|\\.)*"|[!#$%&'*+.^_`|~0-9A-Za-z:-]*)\s*$/.exec(pair);
      if (match === null) return undefined;
      const [, name = '', rawValue = ''] = match;
      if (name.toLowerCase() !== 'for') continue;
      if (forValue !== undefined) return undefined;
      forValue = rawValue.startsWith('"') ? rawValue.slice(1, -1).replace(/\\(.)/g, '$1') : rawValue;
    }
    if (forValue === undefined) return undefined;
    result.push(forValue);
  }
  return result;
}

/** Splits on `separator` outside quoted strings; an unterminated quote yields `undefined`. */
function* splitOutsideQuotes(text: string, separator: string): Generator<string | undefined> {
  let start = 0;
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted && char === '\\') index++;
    else if (char === '"') quoted = !quoted;
    else if (!quoted && char === separator) {
      yield text.slice(start, index);
      start = index + 1;
    }
  }
  yield quoted ? undefined : text.slice(start);
}

/**
 * A hop's address: a bare IPv4 or IPv6 address, `IPv4:port` or `[IPv6]` / `[IPv6]:port` (RFC
 * 7239 §6); IPv4-mapped IPv6 addresses as IPv4. `undefined` for anything else.
 */
function addressOf(hop: string): string | undefined {
  let address = hop.trim();
  const bracketed = /^\[([^\]]+)\](?::[0-9]{1,5})?$/.exec(address);
  if (bracketed !== null) {
    address = bracketed[1] ?? '';
    if (isIP(address) !== 6) return undefined;
  } else if (isIP(address) === 0) {
    const withPort = /^([0-9.]+):[0-9]{1,5}$/.exec(address);
    address = withPort?.[1] ?? '';
    if (isIP(address) !== 4) return undefined;
  }
  const mapped = /^::ffff:([0-9.]+)$/i.exec(address);
  return mapped?.[1] !== undefined && isIP(mapped[1]) === 4 ? mapped[1] : address;
}

/**
 * The `trustProxy` option's proxies, `undefined` when it names none (the default: forwarding
 * headers are ignored). A bad entry throws a `TypeError` naming `option` (`trustProxy`, or the
 * CLI's `--trust-proxy (HERALD_TRUST_PROXY)`).
 */
export function trustedProxiesOf(
  entries: readonly string[] | undefined,
  option = 'trustProxy',
): TrustedProxies | undefined {
  if (entries === undefined) return undefined;
  try {
    const trusted = new TrustedProxies(entries);
    return trusted.size === 0 ? undefined : trusted;
  } catch (error) {
    throw new TypeError(`${option}: ${(error as Error).message}`);
  }
}

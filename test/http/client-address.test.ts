import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseServeConfig } from '../../src/cli/config.js';
import { clientAddressOf, TrustedProxies, trustedProxiesOf } from '../../src/http/client-address.js';
import { createHub } from '../../src/http/index.js';

const trusted = new TrustedProxies(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);

describe('TrustedProxies', () => {
  it('matches addresses and CIDR ranges, IPv4 and IPv6, and loopback', () => {
    expect(trusted.has('127.0.0.1')).toBe(true);
    expect(trusted.has('127.0.0.2')).toBe(false);
    expect(trusted.has('10.200.3.4')).toBe(true);
    expect(trusted.has('11.0.0.1')).toBe(false);
    expect(trusted.has('::1')).toBe(true);
    expect(trusted.has('fd12::5')).toBe(true);
    expect(trusted.has('2001:db8::1')).toBe(false);
    // A dual-stack socket reports IPv4 peers IPv4-mapped.
    expect(trusted.has('::ffff:10.1.2.3')).toBe(true);
    expect(trusted.has('not-an-address')).toBe(false);
    const loopback = new TrustedProxies(['loopback']);
    expect(loopback.has('127.9.9.9')).toBe(true);
    expect(loopback.has('::1')).toBe(true);
    expect(loopback.has('192.168.0.1')).toBe(false);
  });

  it('refuses what is not an address, a CIDR or loopback, naming the option', () => {
    for (const bad of ['10.0.0.0/33', '::1/129', '10.0.0/8', 'example.com', '10.0.0.0/x', '1.2.3.4/']) {
      expect(() => trustedProxiesOf([bad])).toThrow(/^trustProxy: .*not an IP address/);
    }
    expect(trustedProxiesOf([])).toBeUndefined();
    expect(trustedProxiesOf(undefined)).toBeUndefined();
  });
});

describe('clientAddressOf', () => {
  it('uses the peer when no proxy is trusted, whatever the headers say', () => {
    const headers = { 'x-forwarded-for': '203.0.113.9', forwarded: 'for=203.0.113.8' };
    expect(clientAddressOf('127.0.0.1', headers, undefined)).toBe('127.0.0.1');
    expect(clientAddressOf('192.0.2.1', headers, trusted)).toBe('192.0.2.1');
  });

  it('walks X-Forwarded-For from the right past trusted hops', () => {
    const of = (xff: string) => clientAddressOf('127.0.0.1', { 'x-forwarded-for': xff }, trusted);
    expect(of('203.0.113.9')).toBe('203.0.113.9');
    // The client's own (forged) entry is left of the address the proxy appended.
    expect(of('1.1.1.1, 203.0.113.9')).toBe('203.0.113.9');
    expect(of('1.1.1.1, 203.0.113.9, 10.0.0.5')).toBe('203.0.113.9');
    expect(of('garbage, 203.0.113.9, 10.0.0.5')).toBe('203.0.113.9');
    // Every hop trusted: the leftmost.
    expect(of('10.0.0.7, 10.0.0.5')).toBe('10.0.0.7');
    expect(of('2001:db8::7')).toBe('2001:db8::7');
    expect(of('[2001:db8::7]:4711')).toBe('2001:db8::7');
    expect(of('203.0.113.9:4711')).toBe('203.0.113.9');
    expect(of('::ffff:203.0.113.9')).toBe('203.0.113.9');
  });

  it('prefers Forwarded (RFC 7239) to X-Forwarded-For', () => {
    const of = (forwarded: string | string[]) =>
      // Node joins repeated lines; a host may not (hence the array, typed as Node's headers are not).
      clientAddressOf(
        '::1',
        { forwarded, 'x-forwarded-for': '198.51.100.1' } as IncomingHttpHeaders,
        trusted,
      );
    expect(of('for=192.0.2.60;proto=http;by=203.0.113.43')).toBe('192.0.2.60');
    expect(of('for=192.0.2.43, for="[2001:db8:cafe::17]:4711"')).toBe('2001:db8:cafe::17');
    expect(of('for=192.0.2.43, For="[::1]";proto=https')).toBe('192.0.2.43');
    expect(of(['for=192.0.2.43', 'for=10.1.1.1;host="a,b;c"'])).toBe('192.0.2.43');
    expect(of('for="192.0.2.43:80"')).toBe('192.0.2.43');
  });

  it('falls back to the peer on malformed headers or a client hop that is no address', () => {
    const peer = '10.0.0.1';
    const of = (headers: Record<string, string>) => clientAddressOf(peer, headers, trusted);
    expect(of({ forwarded: 'for="192.0.2.1' })).toBe(peer);
    expect(of({ forwarded: 'for=192.0.2.1;proto' })).toBe(peer);
    expect(of({ forwarded: 'proto=https' })).toBe(peer);
    expect(of({ forwarded: 'for=a;for=b' })).toBe(peer);
    expect(of({ forwarded: 'for=unknown' })).toBe(peer);
    expect(of({ forwarded: 'for=_hidden, for=10.0.0.3' })).toBe(peer);
    expect(of({ 'x-forwarded-for': '203.0.113.9, nonsense' })).toBe(peer);
    expect(of({ 'x-forwarded-for': '203.0.113.9,,' })).toBe(peer);
    expect(of({ 'x-forwarded-for': '[1.2.3.4]' })).toBe(peer);
    expect(of({ 'x-forwarded-for': '   ' })).toBe(peer);
    expect(of({})).toBe(peer);
  });

  it('never uses the headers of an untrusted peer, and never throws (property)', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const ipv4 = fc.tuple(octet, octet, octet, octet).map((parts) => parts.join('.'));
    const untrustedPeer = fc
      .oneof(ipv4, fc.ipV4(), fc.ipV6(), fc.string())
      .filter((peer) => !trusted.has(peer));
    const headerValue = fc.oneof(
      fc.string(),
      fc.array(fc.oneof(ipv4, fc.ipV6(), fc.string()), { maxLength: 5 }).map((hops) => hops.join(', ')),
      fc
        .array(
          fc.oneof(
            ipv4,
            fc.ipV6().map((v6) => `"[${v6}]"`),
          ),
          { maxLength: 5 },
        )
        .map((hops) => hops.map((hop) => `for=${hop}`).join(', ')),
    );
    const headers = fc.record(
      { forwarded: headerValue, 'x-forwarded-for': headerValue },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(untrustedPeer, headers, (peer, given) => {
        expect(clientAddressOf(peer, given, trusted)).toBe(peer);
      }),
    );
    // From a trusted peer: an address of the headers or the peer, and no exception.
    fc.assert(
      fc.property(headers, (given) => {
        const result = clientAddressOf('10.0.0.1', given, trusted);
        expect(typeof result).toBe('string');
        expect(result.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('--trust-proxy', () => {
  it('reads comma-separated or repeated values, and HERALD_TRUST_PROXY', () => {
    expect(parseServeConfig(['--trust-proxy', '127.0.0.1, 10.0.0.0/8,::1'], {}).trustProxy).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
    ]);
    expect(
      parseServeConfig(['--trust-proxy', 'loopback', '--trust-proxy', 'fd00::/8'], {}).trustProxy,
    ).toEqual(['loopback', 'fd00::/8']);
    expect(parseServeConfig([], { HERALD_TRUST_PROXY: '10.0.0.0/8,loopback' }).trustProxy).toEqual([
      '10.0.0.0/8',
      'loopback',
    ]);
    expect(parseServeConfig([], {}).trustProxy).toEqual([]);
  });

  it('refuses a bad entry at startup, naming the flag', () => {
    expect(() => parseServeConfig(['--trust-proxy', '10.0.0.0/40'], {})).toThrow(ConfigError);
    expect(() => parseServeConfig([], { HERALD_TRUST_PROXY: 'proxy.internal' })).toThrow(
      /--trust-proxy \(HERALD_TRUST_PROXY\): not an IP address, CIDR range or "loopback": "proxy.internal"/,
    );
  });

  it('createHub refuses a bad trustProxy before opening anything', async () => {
    await expect(createHub({ store: 'memory', trustProxy: ['300.1.1.1'] })).rejects.toThrow(/trustProxy/);
  });
});

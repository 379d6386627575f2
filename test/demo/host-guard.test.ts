import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoHub } from '../../src/demo/index.js';
import { isAllowedLocalHost } from '../../src/demo/loopback-host.js';
import type { HeraldHub } from '../../src/http/index.js';
import { serveOnLoopback } from '../support/listen.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function demoHub(hosts: readonly string[] = []): Promise<HeraldHub> {
  const webDir = mkdtempSync(join(tmpdir(), 'herald-demo-host-'));
  const herald = await createDemoHub({ demo: { webDir, tickerIntervalMs: 0, hosts } });
  closers.push(async () => {
    await herald.close();
    rmSync(webDir, { recursive: true, force: true });
  });
  return herald;
}

const tokenStatus = async (herald: HeraldHub, origin: string) =>
  (await herald.handleFetch(new Request(`${origin}/demo/token?role=publisher&name=Ann`, { method: 'POST' })))
    .status;

describe('POST /demo/token DNS-rebinding guard', () => {
  it('issues tokens to loopback Host names: localhost, 127.0.0.0/8 and [::1], any port', async () => {
    const herald = await demoHub();
    for (const origin of [
      'http://localhost:8080',
      'http://127.0.0.1',
      'http://127.8.9.10:3000',
      'http://[::1]:8080',
    ]) {
      expect(await tokenStatus(herald, origin), origin).toBe(200);
    }
  });

  it('refuses (403) a Host that is not loopback, such as a rebound name or a LAN address', async () => {
    const herald = await demoHub();
    for (const origin of [
      'http://attacker.example',
      'http://192.168.1.5:8080',
      'http://localhost.attacker.example',
    ]) {
      expect(await tokenStatus(herald, origin), origin).toBe(403);
    }
  });

  it('accepts a host the demo was bound to explicitly (its `hosts`), and still refuses others', async () => {
    const herald = await demoHub(['demo.lan']);
    expect(await tokenStatus(herald, 'http://demo.lan:8080')).toBe(200);
    expect(await tokenStatus(herald, 'http://attacker.example')).toBe(403);
  });

  it('checks the Host header over node:http, not the loopback socket the request came in on', async () => {
    const herald = await demoHub();
    const { server, close } = await serveOnLoopback(herald.handleNode);
    closers.push(close);
    const { port } = server.address() as AddressInfo;
    const statusWithHost = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/demo/token',
          headers: { host },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await statusWithHost('rebound.attacker.example')).toBe(403);
    expect(await statusWithHost(`127.0.0.1:${port}`)).toBe(200);
  });

  it('reads IPv4 octets strictly and refuses a missing Host', () => {
    expect(isAllowedLocalHost('127.0.0.256', [])).toBe(false);
    expect(isAllowedLocalHost('127.0.0.1.nip.io', [])).toBe(false);
    expect(isAllowedLocalHost(undefined, [])).toBe(false);
    expect(isAllowedLocalHost('LOCALHOST:80', [])).toBe(true);
  });
});

/**
 * `herald serve` on SIGHUP, the real binary: keys, the TLS certificate and limits are read again
 * and applied to what comes next, while the streams opened before stay open and keep receiving.
 * Each reload is awaited through its log line, never a sleep.
 */

import { generateKeyPairSync, type KeyObject, randomUUID, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type ClientHttp2Session, connect as connectHttp2, type IncomingHttpHeaders } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { SignJWT } from 'jose';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  deleteRedisKeys,
  hubPerTest,
  legacyToken,
  publish,
  SECRET,
  type StreamReader,
  subscribe,
  TEST_REDIS_URL,
} from '../http/helpers.js';
import { ServeProcess } from '../support/herald-cli.js';
import { selfSignedCertificate } from '../support/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'herald-reload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const running: ServeProcess[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const cli of running.splice(0)) {
    cli.stop();
    await cli.exited;
  }
});

/** A `herald serve` on the memory store; resolves once it listens. */
async function start(extra: string[], env: Record<string, string> = {}) {
  const cli = ServeProcess.spawn(['--store', 'memory', ...extra], env);
  running.push(cli);
  const url = `http://127.0.0.1:${await cli.port()}`;
  return { cli, url };
}

/** A stream the test closes at its end. */
async function open(url: string, query: string): Promise<StreamReader> {
  const stream = await subscribe(url, query);
  cleanups.push(() => stream.close());
  return stream;
}

/** A `--config` file; `write` replaces its content, as a deployment tool would. */
function configFile(content: Record<string, unknown>) {
  const path = join(dir, `${randomUUID()}.json`);
  const write = (next: Record<string, unknown> | string) =>
    writeFileSync(path, typeof next === 'string' ? next : JSON.stringify(next));
  write(content);
  return { path, write };
}

const event = (topic: string, data: string): [string, string][] => [
  ['topic', topic],
  ['data', data],
];

function ecKeyPair(): { privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

function es256Token(privateKey: KeyObject): Promise<string> {
  return new SignJWT({ mercure: { publish: ['*'] } }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
}

describe('herald serve: reload on SIGHUP', () => {
  it('re-reads a rotated key file: the old token is refused, the new one accepted, an open stream keeps receiving', async () => {
    const keyPath = join(dir, `${randomUUID()}.pem`);
    const before = ecKeyPair();
    const after = ecKeyPair();
    writeFileSync(keyPath, before.publicPem);
    const { cli, url } = await start(['--anonymous', '--publisher-jwt-key', `@${keyPath}`]);
    const oldToken = await es256Token(before.privateKey);
    const newToken = await es256Token(after.privateKey);
    const stream = await open(url, 'topic=keys');
    expect((await publish(url, oldToken, event('keys', 'before'))).status).toBe(200);
    expect((await publish(url, newToken, event('keys', 'refused'))).status).toBe(401);
    await stream.waitFor(1);

    writeFileSync(keyPath, after.publicPem);
    const [line] = await cli.reload();
    expect(line).toMatchObject({ msg: 'configuration reloaded', changed: ['publisher-jwt-key'] });

    expect((await publish(url, oldToken, event('keys', 'refused'))).status).toBe(401);
    expect((await publish(url, newToken, event('keys', 'after'))).status).toBe(200);
    const events = await stream.waitFor(2);
    expect(events.map((e) => e.data)).toEqual(['before', 'after']);
    // Names only: no key material in the log.
    expect(JSON.stringify(cli.records)).not.toContain('BEGIN PUBLIC KEY');
  });

  it('serves a renewed TLS certificate to new connections while an HTTP/2 stream opened before stays open', async () => {
    const first = selfSignedCertificate(mkdirSync(join(dir, randomUUID()), { recursive: true }) as string);
    const renewed = selfSignedCertificate(mkdirSync(join(dir, randomUUID()), { recursive: true }) as string);
    const served = {
      certPath: join(dir, `${randomUUID()}-cert.pem`),
      keyPath: join(dir, `${randomUUID()}-key.pem`),
    };
    copyFileSync(first.certPath, served.certPath);
    copyFileSync(first.keyPath, served.keyPath);
    const fingerprint = (path: string) => new X509Certificate(readFileSync(path)).fingerprint256;
    expect(fingerprint(first.certPath)).not.toBe(fingerprint(renewed.certPath));
    const { cli } = await start(['--anonymous', '--tls-cert', served.certPath, '--tls-key', served.keyPath], {
      HERALD_JWT_KEY: SECRET,
    });
    const origin = `https://127.0.0.1:${await cli.port()}`;
    const session = connectHttp2(origin, { rejectUnauthorized: false });
    session.on('error', () => {});
    cleanups.push(() => session.destroy());
    await once(session, 'connect');
    expect((session.socket as TLSSocket).getPeerCertificate().fingerprint256).toBe(
      fingerprint(first.certPath),
    );
    const stream = session.request({ ':path': '/.well-known/mercure?topic=tls' });
    stream.on('error', () => {});
    const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders];
    expect(headers[':status']).toBe(200);
    let received = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      received += chunk;
    });

    // Half a renewal (the new certificate, the old key) is refused: the old pair stays served.
    copyFileSync(renewed.certPath, served.certPath);
    const [refused] = await cli.reload();
    expect(refused?.msg).toContain(
      `the TLS certificate ${served.certPath} and key ${served.keyPath} are unusable together`,
    );
    const stillOld = await handshake(origin);
    expect(stillOld.getPeerCertificate().fingerprint256).toBe(fingerprint(first.certPath));

    copyFileSync(renewed.keyPath, served.keyPath);
    const [line] = await cli.reload();
    expect(line).toMatchObject({ msg: 'configuration reloaded', changed: ['tls-cert', 'tls-key'] });
    const socket = await handshake(origin);
    expect(socket.getPeerCertificate().fingerprint256).toBe(fingerprint(renewed.certPath));
    expect(socket.alpnProtocol).toBe('h2');

    const token = await legacyToken({ publish: ['*'] });
    const publisher = connectHttp2(origin, { rejectUnauthorized: false });
    publisher.on('error', () => {});
    cleanups.push(() => publisher.destroy());
    expect(await postHttp2(publisher, token, 'tls', 'after renewal')).toBe(200);
    await until(() => received.includes('data: after renewal'));
    expect(session.closed).toBe(false);
  });

  it('applies a changed limit from --config to new connections, keeping the open ones', async () => {
    const config = configFile({ 'max-connections-per-ip': 1 });
    const { cli, url } = await start(['--anonymous', '--config', config.path], { HERALD_JWT_KEY: SECRET });
    const first = await open(url, 'topic=limits');
    const refused = await open(url, 'topic=limits');
    expect(refused.response.status).toBe(429);

    config.write({ 'max-connections-per-ip': 2 });
    const [line] = await cli.reload();
    expect(line).toMatchObject({ msg: 'configuration reloaded', changed: ['max-connections-per-ip'] });

    expect((await open(url, 'topic=limits')).response.status).toBe(200);
    expect((await open(url, 'topic=limits')).response.status).toBe(429);
    const token = await legacyToken({ publish: ['*'] });
    expect((await publish(url, token, event('limits', 'still open'))).status).toBe(200);
    expect((await first.waitFor(1)).map((e) => e.data)).toEqual(['still open']);
  });

  it('retunes the publish rate limit, keeping its buckets', async () => {
    const config = configFile({ 'publish-rate': 0.01, 'publish-burst': 1 });
    const { cli, url } = await start(['--config', config.path], { HERALD_JWT_KEY: SECRET });
    const token = await legacyToken({ publish: ['*'] }, { sub: 'rate' });
    expect((await publish(url, token, event('rate', '1'))).status).toBe(200);
    const limited = await publish(url, token, event('rate', '2'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50);

    config.write({ 'publish-rate': 1000, 'publish-burst': 1 });
    const [line] = await cli.reload();
    expect(line).toMatchObject({ changed: ['publish-rate'] });
    // The empty bucket now refills in 1 ms: the next publish passes.
    expect((await publish(url, token, event('rate', '3'))).status).toBe(200);
  });

  it('refuses a broken configuration as a whole, naming the field, and keeps serving with the old one', async () => {
    const config = configFile({ 'max-connections-per-ip': 1 });
    const { cli, url } = await start(['--anonymous', '--config', config.path], { HERALD_JWT_KEY: SECRET });
    await open(url, 'topic=broken');

    // A valid change beside an invalid one: neither applies.
    config.write({ 'max-connections-per-ip': 5, 'publish-rate': 'fast' });
    const [invalid] = await cli.reload();
    expect(invalid?.level).toBe(50);
    expect(invalid?.msg).toMatch(
      /^configuration reload refused, the running configuration is kept: --publish-rate \(HERALD_PUBLISH_RATE\) must be/,
    );
    expect((await open(url, 'topic=broken')).response.status).toBe(429);

    config.write('{"jwt-key": "an-inline-secret", "max-connections-per-ip": ');
    const [notJson] = await cli.reload();
    expect(notJson?.msg).toContain(`--config ${config.path}: not valid JSON`);
    expect(notJson?.msg).not.toContain('an-inline-secret');

    const missingKey = join(dir, 'missing-key.pem');
    config.write({ 'max-connections-per-ip': 5, 'publisher-jwt-key': `@${missingKey}` });
    const [badKey] = await cli.reload();
    expect(badKey?.msg).toContain(`--publisher-jwt-key (${missingKey}): cannot read the file (ENOENT)`);
    expect((await open(url, 'topic=broken')).response.status).toBe(429);
    // The old key still verifies.
    const token = await legacyToken({ publish: ['*'] });
    expect((await publish(url, token, event('broken', 'old key'))).status).toBe(200);

    config.write({ 'max-connections-per-ip': 5 });
    const [fixed] = await cli.reload();
    expect(fixed).toMatchObject({ msg: 'configuration reloaded', changed: ['max-connections-per-ip'] });
    expect((await open(url, 'topic=broken')).response.status).toBe(200);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('herald_config_reloads_total{result="ok"} 1');
    expect(metrics).toContain('herald_config_reloads_total{result="error"} 3');
  });

  it('logs a change that needs a restart as such and applies the rest', async () => {
    const config = configFile({ 'max-connections-per-ip': 1 });
    const { cli, url } = await start(['--anonymous', '--config', config.path], { HERALD_JWT_KEY: SECRET });
    await open(url, 'topic=restart');
    config.write({
      'max-connections-per-ip': 2,
      subscriptions: true,
      'history-max-events': 10,
      'publish-rate': 0.01,
    });
    const [line] = await cli.reload();
    expect(line?.level).toBe(40);
    expect(line?.msg).toMatch(/restart/);
    expect([...((line?.changed as string[]) ?? [])].sort()).toEqual([
      'max-connections-per-ip',
      'publish-rate',
    ]);
    expect([...((line?.needsRestart as string[]) ?? [])].sort()).toEqual([
      'history-max-events',
      'subscriptions',
    ]);
    // Applied: the new per-address limit and the publish limit turned on (burst 1). Not applied:
    // the subscriptions API.
    expect((await open(url, 'topic=restart')).response.status).toBe(200);
    expect((await fetch(`${url}/.well-known/mercure/subscriptions`)).status).toBe(404);
    const token = await legacyToken({ publish: ['*'] });
    const statuses: number[] = [];
    for (const data of ['1', '2']) statuses.push((await publish(url, token, event('restart', data))).status);
    expect(statuses).toEqual([200, 429]);
    // Until a restart, every reload says so again.
    const [again] = await cli.reload();
    expect(again).toMatchObject({ changed: [], needsRestart: expect.arrayContaining(['subscriptions']) });
  });
});

describe('herald serve --workers: reload on SIGHUP', () => {
  const prefix = `herald-test:${randomUUID()}:`;
  afterAll(() => deleteRedisKeys(TEST_REDIS_URL, prefix));

  it('the primary has every worker reload', async () => {
    const config = configFile({ 'max-connections': 100 });
    const cli = ServeProcess.spawn(
      ['--workers', '2', '--store', TEST_REDIS_URL, '--redis-key-prefix', prefix, '--config', config.path],
      { HERALD_JWT_KEY: SECRET },
    );
    running.push(cli);
    // Each worker compiles the TypeScript sources on its own: slow on a busy machine.
    await cli.waitForLog((record) => record.msg === 'all workers serving', 0, 90_000);
    config.write({ 'max-connections': 200 });
    const lines = await cli.reload(2);
    expect(lines.map((line) => line['worker']).sort()).toEqual([1, 2]);
    for (const line of lines) {
      expect(line).toMatchObject({ msg: 'configuration reloaded', changed: ['max-connections'] });
    }
    // The primary's line and its workers' share one pipe, in no set order.
    await cli.waitForLog((record) => record.msg === 'SIGHUP: the workers reload their configuration');
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  }, 120_000);
});

describe('HeraldHub.reconfigure', () => {
  const startHub = hubPerTest('memory');

  it('applies all of a reconfiguration or, when a part is invalid, none of it', async () => {
    const { herald, url } = await startHub({ allowAnonymous: true, maxConnectionsPerIp: 1 });
    await open(url, 'topic=api');
    expect(() =>
      herald.reconfigure({ options: { maxConnectionsPerIp: 5, trustProxy: ['not-an-address'] } }),
    ).toThrow(/trustProxy/);
    expect(() => herald.reconfigure({ options: { maxConnectionsPerIp: 5, publishRate: -1 } })).toThrow(
      /publish rate \(ratePerSecond\) must be a positive number/,
    );
    expect((await open(url, 'topic=api')).response.status).toBe(429);

    // Trusting the proxy the requests come from: each forwarded client gets its own slot.
    herald.reconfigure({ options: { trustProxy: ['loopback'] } });
    const from = (client: string) => subscribe(url, 'topic=api', { 'x-forwarded-for': client });
    const second = await from('192.0.2.1');
    cleanups.push(() => second.close());
    expect(second.response.status).toBe(200);
    expect((await from('192.0.2.1')).response.status).toBe(429);
    // An option given as undefined is back to its default (256 per address).
    herald.reconfigure({ options: { maxConnectionsPerIp: undefined } });
    const third = await from('192.0.2.1');
    cleanups.push(() => third.close());
    expect(third.response.status).toBe(200);
  });

  it('turns the publish rate limit on with full buckets, and off again', async () => {
    const { herald, url } = await startHub({ allowAnonymous: true });
    const token = await legacyToken({ publish: ['*'] });
    const post = async () => (await publish(url, token, event('rate', 'x'))).status;
    expect([await post(), await post(), await post()]).toEqual([200, 200, 200]);
    herald.reconfigure({ options: { publishRate: 0.001, publishBurst: 2 } });
    expect([await post(), await post(), await post()]).toEqual([200, 200, 429]);
    herald.reconfigure({ options: { publishRate: 0 } });
    expect([await post(), await post()]).toEqual([200, 200]);
  });
});

/** A new TLS connection to `origin`, offering h2 and http/1.1 (closed when the test ends). */
async function handshake(origin: string): Promise<TLSSocket> {
  const socket = connectTls({
    host: '127.0.0.1',
    port: Number(new URL(origin).port),
    ALPNProtocols: ['h2', 'http/1.1'],
    rejectUnauthorized: false,
  });
  cleanups.push(() => socket.destroy());
  await once(socket, 'secureConnect');
  return socket;
}

/** POSTs one event over an HTTP/2 session; resolves with the status. */
async function postHttp2(
  session: ClientHttp2Session,
  token: string,
  topic: string,
  data: string,
): Promise<number> {
  const request = session.request({
    ':method': 'POST',
    ':path': '/.well-known/mercure',
    authorization: `Bearer ${token}`,
    'content-type': 'application/x-www-form-urlencoded',
  });
  request.end(new URLSearchParams(event(topic, data)).toString());
  const [headers] = (await once(request, 'response')) as [IncomingHttpHeaders];
  request.resume();
  return Number(headers[':status']);
}

/** Waits until `condition` holds, checking every 10 ms for at most 5 s. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

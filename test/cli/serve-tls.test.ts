import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type IncomingHttpHeaders } from 'node:http2';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseServeConfig } from '../../src/cli/config.js';
import { SECRET } from '../http/helpers.js';
import { selfSignedCertificate } from '../support/tls.js';

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');

describe('herald serve --tls-cert --tls-key', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('refuses one TLS file without the other', () => {
    expect(() => parseServeConfig(['--tls-cert', 'cert.pem'], {})).toThrow(ConfigError);
    expect(() => parseServeConfig([], { HERALD_TLS_KEY: 'key.pem' })).toThrow(/--tls-cert and --tls-key/);
    expect(parseServeConfig(['--tls-cert', 'c.pem', '--tls-key', 'k.pem'], {})).toMatchObject({
      tlsCert: 'c.pem',
      tlsKey: 'k.pem',
    });
  });

  it('serves HTTP/2 over TLS and still exits 0 on SIGTERM with a stream open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-cli-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { certPath: cert, keyPath: key } = selfSignedCertificate(dir);
    const args = ['--port', '0', '--host', '127.0.0.1', '--store', 'memory', '--anonymous'];
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, 'serve', ...args, '--tls-cert', cert, '--tls-key', key],
      { env: { ...process.env, HERALD_JWT_KEY: SECRET }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cleanups.push(() => child.kill('SIGKILL'));
    const exited = once(child, 'exit');
    let output = '';
    const port = await new Promise<string>((done, fail) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"port":(\d+)/.exec(output);
        if (match?.[1]) done(match[1]);
      });
      void exited.then(() => fail(new Error(`exited early: ${output}`)));
    });
    expect(output).toContain('"tls":true');
    const session = connect(`https://localhost:${port}`, { rejectUnauthorized: false });
    session.on('error', () => {});
    cleanups.push(() => session.destroy());
    const stream = session.request({ ':path': '/.well-known/mercure?topic=a' });
    stream.on('error', () => {});
    const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders];
    expect(headers[':status']).toBe(200);
    const ended = once(stream, 'close');
    stream.resume();
    child.kill('SIGTERM');
    await ended;
    const [code] = await exited;
    expect(code).toBe(0);
  });
});

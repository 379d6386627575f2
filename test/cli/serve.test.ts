import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { draftToken, ISSUER, legacyToken, publish, RESOURCE, SECRET, subscribe } from '../http/helpers.js';
import { HERALD_CLI, serveArgs } from '../support/herald-cli.js';

const PACKAGE_JSON = resolve(import.meta.dirname, '../../package.json');

interface Cli {
  child: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startCli(args: string[], cwd?: string): Promise<Cli> {
  const child = spawn(process.execPath, serveArgs(...args), {
    cwd,
    env: { ...process.env, HERALD_JWT_KEY: SECRET, HERALD_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const url = await new Promise<string>((done, fail) => {
    let buffered = '';
    child.stderr?.on('data', (chunk) => output.push(String(chunk)));
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      output.push(chunk.toString());
      const match = /"port":(\d+)/.exec(buffered);
      if (match) done(`http://127.0.0.1:${match[1]}`);
    });
    void exited.then(() => fail(new Error(`exited early: ${output.join('')}`)));
  });
  return { child, url, output, exited };
}

describe('herald serve', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('on SIGTERM tells subscribers to come back, closes them and exits 0', async () => {
    const cli = await startCli(['--store', 'memory', '--anonymous']);
    cleanups.push(() => cli.child.kill('SIGKILL'));
    const health = await (await fetch(`${cli.url}/healthz`)).json();
    expect(health.status).toBe('ok');
    expect(health.serverTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const stream = await subscribe(cli.url, 'topic=a');
    expect(stream.response.status).toBe(200);
    const token = await legacyToken({ publish: ['*'] });
    expect(
      (
        await publish(cli.url, token, [
          ['topic', 'a'],
          ['data', 'x'],
        ])
      ).status,
    ).toBe(200);
    await stream.waitFor(1);
    cli.child.kill('SIGTERM');
    await stream.ended;
    const { code } = await cli.exited;
    expect(code).toBe(0);
    expect(stream.retries).toEqual([1000]);
    expect(cli.output.join('')).not.toContain(token);
  });

  it('keeps every acknowledged publication across kill -9 and replays it after restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-cli-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = `sqlite:${join(dir, 'hub.db')}`;
    const first = await startCli(['--store', store, '--anonymous']);
    const token = await legacyToken({ publish: ['*'] });
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await publish(first.url, token, [
        ['topic', 'crash'],
        ['data', `${i}`],
      ]);
      expect(res.status).toBe(200);
      ids.push(await res.text());
    }
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const second = await startCli(['--store', store, '--anonymous']);
    cleanups.push(() => second.child.kill('SIGKILL'));
    const stream = await subscribe(second.url, 'topic=crash&lastEventID=earliest');
    const events = await stream.waitFor(50);
    expect(events.map((e) => e.id)).toEqual(ids);
    stream.close();
  });

  it('on SIGTERM with the SQLite store exits 0, closes the database cleanly and replays every event after restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-cli-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'hub.db');
    const first = await startCli(['--store', `sqlite:${path}`, '--anonymous']);
    cleanups.push(() => first.child.kill('SIGKILL'));
    const stream = await subscribe(first.url, 'topic=term');
    const token = await legacyToken({ publish: ['*'] });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await publish(first.url, token, [
        ['topic', 'term'],
        ['data', `${i}`],
      ]);
      expect(res.status).toBe(200);
      ids.push(await res.text());
    }
    await stream.waitFor(20);
    first.child.kill('SIGTERM');
    await stream.ended;
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.output.join('')).toContain('"msg":"stopped"');
    // The last connection's close checkpoints the WAL into the database and removes it.
    expect(existsSync(`${path}-wal`)).toBe(false);
    const second = await startCli(['--store', `sqlite:${path}`, '--anonymous']);
    cleanups.push(() => second.child.kill('SIGKILL'));
    const replay = await subscribe(second.url, 'topic=term&lastEventID=earliest');
    expect((await replay.waitFor(20)).map((e) => e.id)).toEqual(ids);
    replay.close();
  });

  it('with --resource and --issuer serves a 0.x publisher (HS256 mercure claim, no iss) and a draft-08 at+jwt publisher at once, each with its subscriber', async () => {
    const cli = await startCli(['--store', 'memory', '--resource', RESOURCE, '--issuer', ISSUER]);
    cleanups.push(() => cli.child.kill('SIGKILL'));
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });
    const legacy = await subscribe(cli.url, 'topic=*', auth(await legacyToken({ subscribe: ['*'] })));
    const draft = await subscribe(
      cli.url,
      'match=*',
      auth(await draftToken(['subscribe'], [{ match: '*' }])),
    );
    expect([legacy.response.status, draft.response.status]).toEqual([200, 200]);
    const fromLegacy = await publish(cli.url, await legacyToken({ publish: ['*'] }), [
      ['topic', 'https://example.com/a'],
      ['data', '0.x'],
      ['private', 'on'],
    ]);
    const fromDraft = await publish(cli.url, await draftToken(['publish'], [{ match: '*' }]), [
      ['topic', 'https://example.com/b'],
      ['data', 'draft-08'],
      ['private', 'on'],
    ]);
    expect([fromLegacy.status, fromDraft.status]).toEqual([200, 200]);
    for (const stream of [legacy, draft]) {
      expect((await stream.waitFor(2)).map((e) => e.data)).toEqual(['0.x', 'draft-08']);
      stream.close();
    }
  });

  it('with --require-exp refuses a 0.x token without exp (401) and accepts one with exp', async () => {
    const cli = await startCli(['--store', 'memory', '--require-exp']);
    cleanups.push(() => cli.child.kill('SIGKILL'));
    const forever = await legacyToken({ publish: ['*'] });
    const expiring = await legacyToken({ publish: ['*'] }, { expSec: Math.floor(Date.now() / 1000) + 600 });
    const refused = await publish(cli.url, forever, [
      ['topic', 'a'],
      ['data', 'x'],
    ]);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toMatch(/exp/);
    expect(
      (
        await publish(cli.url, expiring, [
          ['topic', 'a'],
          ['data', 'x'],
        ])
      ).status,
    ).toBe(200);
  });

  it('refuses to start with --resource but no --issuer, naming the flag (exit 2)', async () => {
    const child = spawn(
      process.execPath,
      [...HERALD_CLI, 'serve', '--port', '0', '--store', 'memory', '--resource', RESOURCE],
      { env: { ...process.env, HERALD_JWT_KEY: SECRET }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cleanups.push(() => child.kill('SIGKILL'));
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code).toBe(2);
    expect(stderr).toContain('--issuer (HERALD_ISSUER)');
  });

  it('--demo, what `npm start` runs: SQLite in ./herald.db, the demo routes, tokens for fake users and the ticker', async () => {
    const { scripts } = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { scripts: Record<string, string> };
    expect(scripts['start']).toBe('npm run build && node dist/cli/main.js serve --demo');
    const dir = mkdtempSync(join(tmpdir(), 'herald-cli-demo-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cli = await startCli(['--demo'], dir);
    cleanups.push(() => cli.child.kill('SIGKILL'));
    expect(cli.output.join('')).toContain('"store":"sqlite"');
    expect(existsSync(join(dir, 'herald.db'))).toBe(true);
    const page = await fetch(`${cli.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const token = await fetch(`${cli.url}/demo/token?user=alice`, { method: 'POST' });
    expect(token.status).toBe(200);
    expect(((await token.json()) as { user: { timeZone: string } }).user.timeZone).toBe('Europe/Oslo');
    // The in-process publisher: prices arrive once someone listens, ten a second.
    const stream = await subscribe(
      cli.url,
      `topic=${encodeURIComponent('https://demo.herald.dev/stocks/{symbol}')}`,
    );
    const prices = await stream.waitFor(5, 5_000);
    expect(prices.every((event) => event.event === 'price')).toBe(true);
    const snapshot = (await (await fetch(`${cli.url}/demo/stocks`)).json()) as { prices: unknown[] };
    expect(snapshot.prices).toHaveLength(20);
    stream.close();
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });
});

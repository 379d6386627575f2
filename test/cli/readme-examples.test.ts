import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'src/cli/main.ts');

/**
 * The README's shell example for the hub: the fenced `sh` block that starts a hub with
 * `npx herald serve`, as logical lines (backslash continuations joined, comments dropped), keeping
 * those that run `npx herald` or `curl`, or capture one (`JWT=$(npx herald …)`).
 */
function readmeCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
  const block = blocks.find((text) => text.includes('npx herald serve'));
  if (block === undefined) throw new Error('README.md has no sh block running npx herald serve');
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((line) => /^(npx herald |curl |[A-Z_]+=\$\(npx herald )/.test(line));
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

describe('the README shell example', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('runs as written (herald from this checkout, the hub on a free port instead of 3000)', async () => {
    const commands = readmeCommands();
    const serveLine = commands.find((line) => line.startsWith('npx herald serve'));
    const subscribeLine = commands.find((line) => line.startsWith('curl -N'));
    expect(serveLine).toBeDefined();
    expect(subscribeLine).toBeDefined();
    const rest = commands.filter((line) => line !== serveLine && line !== subscribeLine);
    expect(rest.some((line) => line.includes('herald token'))).toBe(true);

    const port = await freePort();
    const tsx = import.meta.resolve('tsx');
    const herald = `'${process.execPath}' --import '${tsx}' '${MAIN}'`;
    const adapt = (line: string) =>
      line.replaceAll('npx herald', herald).replaceAll('localhost:3000', `localhost:${port}`);
    // The default store is ./herald.db: run in a directory of our own.
    const cwd = mkdtempSync(join(tmpdir(), 'herald-readme-'));
    dirs.push(cwd);
    const env = { ...process.env, PORT: String(port), HERALD_PORT: String(port), HERALD_LOG_LEVEL: 'info' };

    const serve = spawn('sh', ['-c', `exec ${adapt(serveLine!)}`], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(serve);
    await new Promise<void>((done, fail) => {
      let out = '';
      serve.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes(`"port":${port}`)) done();
      });
      serve.once('exit', () => fail(new Error(`serve exited early: ${out}`)));
    });

    const subscriber = spawn('sh', ['-c', `exec ${adapt(subscribeLine!)}`], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(subscriber);
    let received = '';
    subscriber.stdout?.on('data', (chunk: Buffer) => {
      received += chunk.toString();
    });
    // The subscription is live once the hub has answered with its headers and first bytes.
    for (let i = 0; i < 100 && received === ''; i++) await new Promise((done) => setTimeout(done, 50));
    await new Promise((done) => setTimeout(done, 300));

    const script = ['set -e', ...rest.map(adapt)].join('\n');
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile('sh', ['-c', script], { cwd, env, timeout: 30_000 }, (error, stdout, stderr) => {
        done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
      });
    });
    expect(result.code, result.stderr).toBe(0);
    const publications = rest.filter((line) => !line.includes('herald token')).length;
    expect(result.stdout.match(/urn:uuid:/g)?.length).toBe(publications);

    for (let i = 0; i < 100 && (received.match(/^data: /gm)?.length ?? 0) < publications; i++) {
      await new Promise((done) => setTimeout(done, 50));
    }
    expect(received.match(/^data: \{"title":"Dune"\}$/gm)?.length).toBe(publications);
  }, 90_000);
});

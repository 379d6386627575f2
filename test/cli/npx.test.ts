/**
 * `npx herald` in a fresh clone, after the README's first command: that command runs `npm start`,
 * which builds `dist/` (asserted in serve.test.ts), and npx runs the project's own `bin` from its
 * root without installing anything. Shown here on a copy of the package's `bin` entry pointing at
 * a stand-in, so the test does not need a build of its own.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const PACKAGE_JSON = new URL('../../package.json', import.meta.url);
const README = new URL('../../README.md', import.meta.url);
let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('npx herald', () => {
  it("runs the package's own bin from its root once the README's first command has built dist/", async () => {
    const pkg = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as {
      name: string;
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    const firstCommand = readFileSync(README, 'utf8')
      .split('\n')
      .find((line) => line.startsWith('npm '));
    expect(firstCommand).toMatch(/^npm ci && npm start\b/);
    expect(pkg.scripts['start']).toMatch(/^npm run build && /);
    expect(pkg.bin).toEqual({ herald: './dist/cli/main.js' });
    dir = mkdtempSync(join(tmpdir(), 'herald-npx-'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: pkg.name, version: '0.0.0', bin: pkg.bin }),
    );
    mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
    writeFileSync(
      join(dir, 'dist', 'cli', 'main.js'),
      "#!/usr/bin/env node\nconsole.log('herald', process.argv.slice(2).join(' '));\n",
    );
    const { stdout } = await promisify(execFile)('npx', ['--offline', 'herald', '--version'], {
      cwd: dir,
      env: { ...process.env, npm_config_yes: 'false', npm_config_update_notifier: 'false' },
    });
    expect(stdout.trim()).toBe('herald --version');
  });
});

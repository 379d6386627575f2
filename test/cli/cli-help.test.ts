import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVE_ENV, SERVE_OPTIONS } from '../../src/cli/config.js';
import { PUBLISH_ENV, PUBLISH_OPTIONS } from '../../src/cli/publish.js';
import { TOKEN_ENV, TOKEN_OPTIONS } from '../../src/cli/token.js';
import { herald } from './run-herald.js';

const VERSION = (
  JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
    version: string;
  }
).version;

describe('herald help and version', () => {
  it.each([[['--help']], [['-h']], [['help']], [[]]])(
    'herald %j prints the commands and exits 0',
    async (args) => {
      const { code, stdout } = await herald(args);
      expect(code).toBe(0);
      for (const command of ['serve', 'publish', 'token']) expect(stdout).toContain(command);
      expect(stdout).toContain('--version');
    },
  );

  it.each([['--version'], ['-v']])('herald %s prints the package version', async (flag) => {
    const { code, stdout } = await herald([flag]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(VERSION);
  });

  const tables = [
    ['serve', SERVE_OPTIONS, SERVE_ENV],
    ['publish', PUBLISH_OPTIONS, PUBLISH_ENV],
    ['token', TOKEN_OPTIONS, TOKEN_ENV],
  ] as const;

  it.each(tables)(
    'herald %s --help lists every flag the parser takes and its environment variables',
    async (command, options, env) => {
      for (const args of [
        [command, '--help'],
        [command, '-h'],
        ['help', command],
      ]) {
        const { code, stdout } = await herald(args);
        expect(code, args.join(' ')).toBe(0);
        expect(stdout).toContain(`Usage: herald ${command}`);
        for (const flag of Object.keys(options)) {
          expect(stdout).toMatch(new RegExp(`--${flag}\\b`));
          for (const variable of env[flag] ?? []) expect(stdout).toContain(variable);
        }
      }
    },
  );

  it('publish help documents HERALD_URL and HERALD_JWT', async () => {
    const { stdout } = await herald(['publish', '--help']);
    expect(stdout).toMatch(/--url URL .*HERALD_URL/);
    expect(stdout).toMatch(/--jwt TOKEN .*HERALD_JWT/);
  });

  it('an unknown command or option exits 2 and says what to run', async () => {
    const unknownCommand = await herald(['serv']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('unknown command "serv"');
    expect(unknownCommand.stderr).toContain('herald --help');
    expect(unknownCommand.stdout).toBe('');

    const unknownTopLevel = await herald(['--verbose']);
    expect(unknownTopLevel.code).toBe(2);
    expect(unknownTopLevel.stderr).toContain('herald --help');

    const unknownFlag = await herald(['publish', '--topik', 'x']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("'--topik'");
    expect(unknownFlag.stderr).toContain('herald publish --help');

    const unknownHelp = await herald(['help', 'nope']);
    expect(unknownHelp.code).toBe(2);
  });
});

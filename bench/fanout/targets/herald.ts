/**
 * Herald itself: `herald serve` with the memory or the SQLite store, anonymous subscribers, and a
 * publisher JWT signed with a throwaway key. Runs the TypeScript CLI through tsx (transpiled once
 * at load; the hot path is the same JS as the build), or the compiled CLI with `--herald-dist`.
 * Skipped with a message while the CLI does not exist yet.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { stopProcess } from '../spawn.js';
import { freePort, LOOPBACK, launchServer } from './server-process.js';
import { type RunningTarget, sseRequest, type TargetContext, type TargetDefinition } from './target.js';

const SOURCE_CLI = join('src', 'cli', 'main.ts');
const BUILT_CLI = join('dist', 'cli', 'main.js');

export interface HeraldTargetOptions {
  store: 'memory' | 'sqlite';
  /** Run dist/cli/main.js instead of the TypeScript source. */
  useBuild: boolean;
}

function cliPath(context: TargetContext, useBuild: boolean): string {
  return join(context.repoRoot, useBuild ? BUILT_CLI : SOURCE_CLI);
}

/**
 * Flags that make the hub comparable with the other targets: no heartbeat (none of them sends one
 * during a cell), connection caps above any cell (the defaults, 10 000 and 256 per address, are
 * denial-of-service guards that would stop the 10 000-subscriber cells), and no per-request info
 * logging. `--herald-args` comes after these, so it can override them.
 */
export const HERALD_BENCH_ARGS = [
  '--host',
  '127.0.0.1',
  '--heartbeat-ms',
  '0',
  '--max-connections',
  '10000000',
  '--max-connections-per-ip',
  '10000000',
  '--log-level',
  'warn',
];

async function publisherToken(key: string): Promise<string> {
  return new SignJWT({ mercure: { publish: ['*'], subscribe: ['*'] } })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(key));
}

export function heraldTarget(options: HeraldTargetOptions): TargetDefinition {
  const name = `herald-${options.store}`;
  return {
    name,
    unavailableReason(context) {
      const cli = cliPath(context, options.useBuild);
      if (existsSync(cli)) return undefined;
      return options.useBuild
        ? `the compiled CLI (${BUILT_CLI}) is missing; run \`npm run build\` first`
        : `the CLI (${SOURCE_CLI}) does not exist yet, so \`herald serve\` cannot start`;
    },
    async start(context: TargetContext): Promise<RunningTarget> {
      const port = await freePort();
      const key = randomBytes(32).toString('hex');
      const store =
        options.store === 'memory' ? 'memory' : `sqlite://${join(context.scratchDir, 'herald.db')}`;
      const cli = cliPath(context, options.useBuild);
      const runner = options.useBuild ? [cli] : ['--import', 'tsx', cli];
      const args = [
        ...runner,
        'serve',
        '--port',
        String(port),
        '--store',
        store,
        '--anonymous',
        '--jwt-key',
        key,
        ...HERALD_BENCH_ARGS,
        ...context.heraldArgs,
      ];
      const { child } = await launchServer(process.execPath, args, {
        cwd: context.repoRoot,
        scratchDir: context.scratchDir,
        port,
      });
      const token = await publisherToken(key);
      return {
        name,
        pid: child.pid ?? 0,
        host: LOOPBACK,
        port,
        subscribeRequest: (topic) =>
          sseRequest(LOOPBACK, port, `/.well-known/mercure?topic=${encodeURIComponent(topic)}`),
        publishSpec: (topic) => ({
          host: LOOPBACK,
          port,
          path: '/.well-known/mercure',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Bearer ${token}` },
          bodyFormat: 'mercure-form',
          topic,
        }),
        stop: () => stopProcess(child),
      };
    },
  };
}

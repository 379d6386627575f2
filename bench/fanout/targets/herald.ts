/**
 * Herald itself: `herald serve` with the memory, SQLite or Redis store (Redis: optionally with
 * `--workers N`), anonymous subscribers, and a publisher JWT signed with a throwaway key. Runs the TypeScript CLI through tsx (transpiled once
 * at load; the hot path is the same JS as the build), or the compiled CLI with `--herald-dist`.
 * Skipped with a message while the CLI does not exist yet.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { stopProcess } from '../spawn.js';
import { redisUnavailableReason, startRedis } from './redis-server.js';
import { freePort, LOOPBACK, launchServer } from './server-process.js';
import { type RunningTarget, sseRequest, type TargetContext, type TargetDefinition } from './target.js';

const SOURCE_CLI = join('src', 'cli', 'main.ts');
const BUILT_CLI = join('dist', 'cli', 'main.js');

export interface HeraldTargetOptions {
  /** `redis`: a private redis-server started with the hub (its CPU and RSS count as Herald's). */
  store: 'memory' | 'sqlite' | 'redis';
  /** `herald serve --workers N` (Redis only); 1 or absent: one process. */
  workers?: number | undefined;
  /** Run dist/cli/main.js instead of the TypeScript source; `auto`: when the build is up to date. */
  useBuild: boolean | 'auto';
}

/** The newest modification time of a `.ts` file under `dir` (0 when none). */
function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Why prefer the build: it is what `herald` runs in production, and tsx compiles with esbuild's
 * keep-names, whose `__name(fn, …)` turns every per-connection closure into a dictionary-mode
 * function (+256 B each, ~13 per subscriber): idle memory measured through tsx is inflated.
 */
export function resolveUseBuild(repoRoot: string, useBuild: boolean | 'auto'): boolean {
  if (useBuild !== 'auto') return useBuild;
  const built = join(repoRoot, BUILT_CLI);
  if (!existsSync(built)) return false;
  return statSync(built).mtimeMs >= newestSourceMs(join(repoRoot, 'src'));
}

function cliPath(context: TargetContext, useBuild: boolean | 'auto'): string {
  return join(context.repoRoot, resolveUseBuild(context.repoRoot, useBuild) ? BUILT_CLI : SOURCE_CLI);
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
  const workers = options.workers ?? 1;
  const name = `herald-${options.store}${workers > 1 ? `-w${workers}` : ''}`;
  return {
    name,
    unavailableReason(context) {
      if (options.store === 'redis') {
        const reason = redisUnavailableReason();
        if (reason !== undefined) return reason;
      }
      const cli = cliPath(context, options.useBuild);
      if (existsSync(cli)) return undefined;
      return options.useBuild === true
        ? `the compiled CLI (${BUILT_CLI}) is missing; run \`npm run build\` first`
        : `the CLI (${SOURCE_CLI}) does not exist yet, so \`herald serve\` cannot start`;
    },
    async start(context: TargetContext): Promise<RunningTarget> {
      const port = await freePort();
      const key = randomBytes(32).toString('hex');
      const redis =
        options.store === 'redis' ? await startRedis(context.repoRoot, context.scratchDir) : undefined;
      const store =
        redis?.url ??
        (options.store === 'memory' ? 'memory' : `sqlite://${join(context.scratchDir, 'herald.db')}`);
      const useBuild = resolveUseBuild(context.repoRoot, options.useBuild);
      const cli = cliPath(context, useBuild);
      // e.g. HERALD_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=bench/results/prof" to profile the hub.
      const nodeArgs = (process.env.HERALD_BENCH_NODE_ARGS ?? '').split(/\s+/).filter((a) => a.length > 0);
      const runner = useBuild ? [...nodeArgs, cli] : [...nodeArgs, '--import', 'tsx', cli];
      process.stderr.write(`${name}: ${useBuild ? BUILT_CLI : `tsx ${SOURCE_CLI}`}\n`);
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
        ...(workers > 1 ? ['--workers', String(workers)] : []),
        ...context.heraldArgs,
      ];
      let child: ChildProcess;
      try {
        ({ child } = await launchServer(process.execPath, args, {
          cwd: context.repoRoot,
          scratchDir: context.scratchDir,
          port,
        }));
      } catch (error) {
        await redis?.stop();
        throw error;
      }
      const token = await publisherToken(key);
      return {
        name,
        pid: child.pid ?? 0,
        helperPids: redis?.child.pid === undefined ? [] : [redis.child.pid],
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
        stop: async () => {
          await stopProcess(child);
          await redis?.stop();
        },
      };
    },
  };
}

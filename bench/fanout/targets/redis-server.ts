/**
 * A private redis-server for the Herald-on-Redis targets: its own port and directory, started for
 * one target and stopped with it, so its CPU is measured with the hub's and no other user's keys
 * share it. Append-only file with `fsync` every second, the usual production choice (see
 * docs/deploy.md for what each persistence setting loses).
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { stopProcess } from '../spawn.js';
import { freePort, LOOPBACK, launchServer } from './server-process.js';

export interface RunningRedis {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Why no redis-server can start here, or undefined when one can. */
export function redisUnavailableReason(): string | undefined {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'redis-server is not installed (Debian: apt-get install redis-server)';
  }
}

export async function startRedis(repoRoot: string, scratchDir: string): Promise<RunningRedis> {
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    LOOPBACK,
    '--dir',
    scratchDir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--logfile',
    'redis.log',
  ];
  const { child } = await launchServer('redis-server', args, { cwd: repoRoot, scratchDir, port });
  return { url: `redis://${LOOPBACK}:${port}/0`, child, stop: () => stopProcess(child) };
}

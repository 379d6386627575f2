/**
 * Starts benchmark processes with the open-file limit raised as far as the system allows.
 *
 * Node cannot call setrlimit, so each child goes through `bash -c 'ulimit -n …; exec …'`: `exec`
 * keeps the PID (the one whose /proc entries we read) and the IPC channel (its fd is inherited).
 * The soft limit is raised to the wanted value, or to the hard limit when the wanted value is not
 * allowed (an unprivileged user, or a container without CAP_SYS_RESOURCE).
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';

export const WANTED_OPEN_FILES = 1_048_576;

const RAISE_THEN_EXEC = `ulimit -n ${WANTED_OPEN_FILES} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"`;

export interface SpawnOptions {
  cwd: string;
  stdio: StdioOptions;
  env?: NodeJS.ProcessEnv;
}

export function spawnWithRaisedFileLimit(command: string, args: readonly string[], options: SpawnOptions) {
  return spawn('bash', ['-c', RAISE_THEN_EXEC, 'bench-child', command, ...args], {
    cwd: options.cwd,
    stdio: options.stdio,
    env: options.env ?? process.env,
  });
}

/** Resolves when the child exits (or at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

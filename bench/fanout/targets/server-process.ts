/**
 * Launching a target server as its own process and waiting until it accepts connections. Output
 * goes to a log file in the scratch directory, shown when the server fails to start.
 */
import type { ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { spawnWithRaisedFileLimit } from '../spawn.js';

export const LOOPBACK = '127.0.0.1';

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: LOOPBACK, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class ServerStartError extends Error {
  readonly code = 'SERVER_START_FAILED';
}

export interface LaunchedServer {
  child: ChildProcess;
  logPath: string;
}

export async function launchServer(
  command: string,
  args: readonly string[],
  options: { cwd: string; scratchDir: string; port: number; timeoutMs?: number; env?: NodeJS.ProcessEnv },
): Promise<LaunchedServer> {
  const logPath = join(options.scratchDir, 'server.log');
  const log = openSync(logPath, 'a');
  const child = spawnWithRaisedFileLimit(command, args, {
    cwd: options.cwd,
    stdio: ['ignore', log, log],
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (await canConnect(options.port)) return { child, logPath };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  const tail = readFileSync(logPath, 'utf8').split('\n').slice(-15).join('\n');
  throw new ServerStartError(
    `${command} ${args.join(' ')} did not start listening on ${options.port}:\n${tail}`,
  );
}

import { execFile } from 'node:child_process';
import { HERALD_CLI } from '../support/herald-cli.js';

/** Runs `herald ARGS` (the TypeScript entry point, through tsx) and collects its exit code and output. */
export function herald(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [...HERALD_CLI, ...args],
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}

/**
 * How tests run the `herald` CLI: the TypeScript entry point through tsx's loader, named by path
 * (a test may run the CLI in another working directory, where `tsx` resolves to nothing).
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const MAIN = resolve(import.meta.dirname, '../../src/cli/main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Node's arguments before the command: `process.execPath ...HERALD_CLI serve …`. */
export const HERALD_CLI: readonly string[] = ['--import', TSX, MAIN];

/** `herald serve` on loopback, on a port the OS picks, with `extra` flags. */
export function serveArgs(...extra: string[]): string[] {
  return [...HERALD_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', ...extra];
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `bench/results/` (git-ignored), next to the bench scripts whatever the working directory. */
const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** Writes `data` as `bench/results/<name>-<timestamp>.json`; returns the path relative to the repository. */
export function writeResults(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = `${name}-${new Date().toISOString().replaceAll(':', '-').replace('.', '-')}.json`;
  writeFileSync(join(RESULTS_DIR, file), `${JSON.stringify(data, null, 2)}\n`);
  return `bench/results/${file}`;
}

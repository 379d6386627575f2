/**
 * The README's `herald serve` options table is the code's: every flag the parser takes is a row,
 * with exactly the environment variables `SERVE_ENV` reads, and no row names a flag that is gone.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVE_ENV, SERVE_OPTIONS } from '../../src/cli/config.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The table under `### herald serve options`: flag names of the first cell, variables of the second. */
function optionsTable(): Map<string, string[]> {
  const section = README.split('### `herald serve` options')[1]?.split('\n### ')[0] ?? '';
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `--')) continue;
    const [flagCell = '', envCell = ''] = line.split(' | ');
    const flags = [...flagCell.matchAll(/(?:^|[` ])--([a-z-]+)/g)].map((match) => match[1] ?? '');
    // `--a N` / `--b N` rows pair their variables the same way: `A` / `B`.
    const envParts = envCell.split(' / ');
    flags.forEach((flag, index) => {
      const cell = envParts.length === flags.length ? (envParts[index] ?? '') : envCell;
      rows.set(
        flag,
        [...cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1] ?? ''),
      );
    });
  }
  return rows;
}

describe("the README's herald serve options table", () => {
  const table = optionsTable();

  it('lists every flag the parser takes, and no other', () => {
    const documented = new Set(table.keys());
    // --help and --version are the CLI's own; the table is about serving.
    const flags = Object.keys(SERVE_OPTIONS).filter((flag) => flag !== 'help' && flag !== 'version');
    expect([...documented].sort()).toEqual(flags.sort());
  });

  it('gives each flag the environment variables the code reads', () => {
    for (const [flag, variables] of Object.entries(SERVE_ENV)) {
      expect(table.get(flag), `--${flag}`).toEqual(expect.arrayContaining(variables));
    }
  });
});

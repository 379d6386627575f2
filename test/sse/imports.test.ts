import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const sourceDir = new URL('../../src/sse/', import.meta.url);

describe('herald/sse dependencies', () => {
  it('imports only its own files, so it runs in browsers as it is', () => {
    const specifiers = readdirSync(sourceDir)
      .filter((name) => name.endsWith('.ts'))
      .flatMap((name) => {
        const source = readFileSync(new URL(name, sourceDir), 'utf8');
        return [
          ...source.matchAll(
            /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]/g,
          ),
        ].map((match) => match[1] ?? match[2] ?? '');
      });
    expect(specifiers.length).toBeGreaterThan(0);
    expect(specifiers.filter((specifier) => !/^\.\/[\w-]+\.js$/.test(specifier))).toEqual([]);
  });
});

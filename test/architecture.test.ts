/**
 * Keeps the import direction of docs/architecture.md true: the wire format stays dependency-free
 * (it runs in browsers), the server streams stay framework-free, and the hub's domain never
 * reaches into storage or HTTP code. A violation fails the suite and names the file and import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

interface ImportRef {
  file: string; // relative to src/
  specifier: string;
  /** The src/ folder the import lands in, for relative imports; undefined for packages and node:*. */
  targetModule: string | undefined;
  /** The target path relative to src/, for relative imports. */
  targetPath: string | undefined;
}

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listSources(path);
    return /\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function importsOf(file: string): ImportRef[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map(({ fileName: specifier }) => {
    if (!specifier.startsWith('.')) {
      return { file: relative(src, file), specifier, targetModule: undefined, targetPath: undefined };
    }
    const targetPath = relative(src, resolve(dirname(file), specifier));
    return { file: relative(src, file), specifier, targetModule: targetPath.split(/[\\/]/)[0], targetPath };
  });
}

const moduleOf = (ref: ImportRef) => ref.file.split(/[\\/]/)[0];
const isNodeBuiltin = (s: string) => s.startsWith('node:');

/** Each rule returns a reason when an import is not allowed. */
const rules: Record<string, (ref: ImportRef) => string | undefined> = {
  sse: (ref) =>
    ref.targetModule === 'sse' ? undefined : 'src/sse imports nothing outside itself (it runs in browsers)',
  client: (ref) =>
    ref.targetModule === 'client' || ref.targetModule === 'sse'
      ? undefined
      : 'src/client imports only src/sse (no packages, no node:*)',
  server: (ref) =>
    ref.targetModule === 'server' || ref.targetModule === 'sse' || isNodeBuiltin(ref.specifier)
      ? undefined
      : 'src/server imports only src/sse and Node built-ins',
  hub: (ref) =>
    ref.targetModule !== undefined && !['hub', 'sse', 'time'].includes(ref.targetModule)
      ? 'src/hub talks to ports: it must not import storage, HTTP, transports or CLI code'
      : undefined,
  store: (ref) =>
    ref.targetModule === undefined ||
    ref.targetModule === 'store' ||
    ref.targetModule === 'time' ||
    ref.targetPath === join('hub', 'ports.js')
      ? undefined
      : 'src/store imports only the hub ports',
  time: (ref) =>
    ref.targetModule === undefined ||
    ref.targetModule === 'time' ||
    ref.targetPath === join('hub', 'ports.js')
      ? undefined
      : 'src/time imports only Node built-ins, temporal-polyfill and the hub ports',
};

function violations(files: string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    for (const ref of importsOf(file)) {
      const rule = rules[moduleOf(ref) ?? ''];
      const reason = rule?.(ref);
      if (reason) found.push(`${ref.file} imports '${ref.specifier}': ${reason}`);
    }
  }
  return found;
}

describe('import direction', () => {
  it('every source file respects the layering of docs/architecture.md', () => {
    expect(violations(listSources(src))).toEqual([]);
  });

  it('src/sse and src/client import no node:* module and no package', () => {
    const files = [...listSources(join(src, 'sse')), ...listSources(join(src, 'client'))];
    const external = files.flatMap((f) => importsOf(f).filter((r) => r.targetModule === undefined));
    expect(external).toEqual([]);
  });

  it('catches a violation (the check is not vacuous)', () => {
    const fake: ImportRef = {
      file: join('sse', 'x.ts'),
      specifier: 'node:fs',
      targetModule: undefined,
      targetPath: undefined,
    };
    expect(rules['sse']?.(fake)).toMatch(/imports nothing/);
    const serverToHub: ImportRef = {
      file: join('server', 'x.ts'),
      specifier: '../hub/hub.js',
      targetModule: 'hub',
      targetPath: join('hub', 'hub.js'),
    };
    expect(rules['server']?.(serverToHub)).toMatch(/only src\/sse/);
    expect(listSources(src).length).toBeGreaterThan(0);
  });
});

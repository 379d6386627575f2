/**
 * Keeps the layering of docs/architecture.md true. Every folder of src/ has a rule: which other
 * folders it may import, and which packages. Another folder is reached only through its
 * `index.ts` (a folder's other files are its own business, free to change), and the folders form
 * no cycle. A violation fails the suite and names the file and the import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

interface ImportRef {
  file: string; // relative to src/, with `/` separators
  specifier: string;
  /** The src/ folder the import lands in, for relative imports; undefined for packages and node:*. */
  targetFolder: string | undefined;
  /** The target path relative to src/, for relative imports. */
  targetPath: string | undefined;
}

interface FolderRule {
  /** Other src/ folders this one may import (through their index.ts). */
  folders: readonly string[];
  /** Packages it may import; `node:*` built-ins are allowed unless `noBuiltins`. */
  packages: readonly string[];
  noBuiltins?: boolean;
  why: string;
}

/** One rule per folder of src/: a folder without a rule fails the suite. */
const RULES: Record<string, FolderRule> = {
  sse: {
    folders: [],
    packages: [],
    noBuiltins: true,
    why: 'the wire format runs in browsers: it imports nothing',
  },
  clock: { folders: [], packages: [], noBuiltins: true, why: 'the time ports import nothing' },
  client: {
    folders: ['sse'],
    packages: [],
    noBuiltins: true,
    why: 'the browser client stays dependency-free',
  },
  server: { folders: ['sse', 'clock'], packages: [], why: 'one SSE stream, framework-free' },
  time: { folders: [], packages: ['temporal-polyfill'], why: 'time math is pure: no other folder' },
  hub: {
    folders: ['sse', 'clock', 'time'],
    packages: ['jose', 'urlpattern-polyfill/urlpattern'],
    why: 'the domain talks to ports: no storage, HTTP, transport or CLI code',
  },
  schedule: {
    folders: ['hub', 'time', 'clock'],
    packages: [],
    why: 'the schedule domain builds on the hub only',
  },
  store: {
    folders: ['hub', 'schedule', 'time', 'clock'],
    // better-sqlite3's package.json: its version, read before its native addon is loaded.
    packages: ['better-sqlite3', 'better-sqlite3/package.json', 'redis'],
    why: 'adapters implement the ports of hub and schedule',
  },
  transports: {
    folders: ['hub', 'server', 'sse', 'clock'],
    packages: [],
    why: 'transports know no HTTP routing',
  },
  http: {
    folders: ['hub', 'schedule', 'store', 'transports', 'server', 'sse', 'time', 'clock'],
    packages: ['pino', 'prom-client'],
    why: 'the hub over HTTP knows neither the demo nor the CLI',
  },
  demo: {
    folders: ['http', 'hub', 'transports', 'time', 'clock'],
    packages: ['jose'],
    why: 'the demo is an extension of the hub, loaded only with --demo',
  },
  cli: {
    folders: ['http', 'store', 'hub', 'demo', 'time', 'clock'],
    packages: ['pino'],
    why: 'the CLI reads argv and env and wires the rest',
  },
};

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listSources(path);
    return /\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const slash = (path: string) => path.split(/[\\/]/).join('/');

function importsOf(file: string): ImportRef[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const from = slash(relative(src, file));
  return info.importedFiles.map(({ fileName: specifier }) => {
    if (!specifier.startsWith('.'))
      return { file: from, specifier, targetFolder: undefined, targetPath: undefined };
    const targetPath = slash(relative(src, resolve(dirname(file), specifier)));
    return { file: from, specifier, targetFolder: targetPath.split('/')[0], targetPath };
  });
}

const folderOf = (ref: ImportRef) => ref.file.split('/')[0] ?? '';

/** Why an import breaks its folder's rule, or `undefined` when it keeps it. */
function violation(ref: ImportRef): string | undefined {
  const folder = folderOf(ref);
  const rule = RULES[folder];
  if (rule === undefined) return `src/${folder} has no rule in test/architecture.test.ts`;
  if (ref.targetFolder === undefined) {
    if (ref.specifier.startsWith('node:')) return rule.noBuiltins ? `src/${folder}: ${rule.why}` : undefined;
    return rule.packages.includes(ref.specifier)
      ? undefined
      : `src/${folder} may not import packages other than [${rule.packages.join(', ')}]: ${rule.why}`;
  }
  if (ref.targetFolder === folder) return undefined;
  if (!rule.folders.includes(ref.targetFolder)) {
    return `src/${folder} may import only [${rule.folders.join(', ')}]: ${rule.why}`;
  }
  if (ref.targetPath !== `${ref.targetFolder}/index.js`) {
    return `another folder is imported through its index.ts only (src/${ref.targetFolder}/index.ts)`;
  }
  return undefined;
}

function violations(files: string[]): string[] {
  return files.flatMap((file) =>
    importsOf(file).flatMap((ref) => {
      const reason = violation(ref);
      return reason === undefined ? [] : [`${ref.file} imports '${ref.specifier}': ${reason}`];
    }),
  );
}

/** The folder graph's cycles, as paths `a -> b -> a` (empty when it is a DAG). */
function folderCycles(refs: ImportRef[]): string[] {
  const edges = new Map<string, Set<string>>();
  for (const ref of refs) {
    const folder = folderOf(ref);
    if (ref.targetFolder === undefined || ref.targetFolder === folder) continue;
    if (!edges.has(folder)) edges.set(folder, new Set());
    edges.get(folder)?.add(ref.targetFolder);
  }
  const cycles: string[] = [];
  const visit = (node: string, path: string[]) => {
    for (const next of edges.get(node) ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) cycles.push([...path.slice(at), next].join(' -> '));
      else visit(next, [...path, next]);
    }
  };
  for (const node of edges.keys()) visit(node, [node]);
  return cycles;
}

describe('import rules', () => {
  const files = listSources(src);

  it('every folder of src/ has a rule', () => {
    const folders = readdirSync(src, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((folder) => RULES[folder] === undefined)).toEqual([]);
    expect(folders.length).toBeGreaterThan(10);
  });

  it('every import keeps its folder rule, and reaches other folders through their index.ts', () => {
    expect(violations(files)).toEqual([]);
  });

  it('the folders form no cycle', () => {
    expect(folderCycles(files.flatMap(importsOf))).toEqual([]);
  });

  it('catches each kind of violation (the checks are not vacuous)', () => {
    const ref = (file: string, specifier: string, targetPath?: string): ImportRef => ({
      file,
      specifier,
      targetFolder: targetPath?.split('/')[0],
      targetPath,
    });
    expect(violation(ref('sse/x.ts', 'node:fs'))).toMatch(/imports nothing/);
    expect(violation(ref('client/x.ts', 'jose'))).toMatch(/packages/);
    expect(violation(ref('server/x.ts', '../hub/index.js', 'hub/index.js'))).toMatch(/may import only/);
    expect(violation(ref('http/x.ts', '../hub/hub.js', 'hub/hub.js'))).toMatch(/through its index.ts/);
    expect(violation(ref('http/x.ts', '../demo/index.js', 'demo/index.js'))).toMatch(/may import only/);
    expect(violation(ref('http/x.ts', '../hub/index.js', 'hub/index.js'))).toBeUndefined();
    expect(violation(ref('nowhere/x.ts', 'node:fs'))).toMatch(/has no rule/);
  });

  it('finds a cycle between folders (the cycle check is not vacuous)', () => {
    const edge = (from: string, to: string): ImportRef => ({
      file: `${from}/x.ts`,
      specifier: `../${to}/index.js`,
      targetFolder: to,
      targetPath: `${to}/index.js`,
    });
    expect(folderCycles([edge('a', 'b'), edge('b', 'c')])).toEqual([]);
    expect(folderCycles([edge('a', 'b'), edge('b', 'c'), edge('c', 'a')])).toContain('a -> b -> c -> a');
  });
});

describe('the browser-facing folders', () => {
  it('src/sse and src/client import no node:* module and no package', () => {
    const files = [...listSources(join(src, 'sse')), ...listSources(join(src, 'client'))];
    const external = files.flatMap((f) => importsOf(f).filter((r) => r.targetFolder === undefined));
    expect(external).toEqual([]);
  });
});

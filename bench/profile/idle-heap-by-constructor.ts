/**
 * One command, one table: what an idle SSE connection costs in Herald (the build), in plain
 * node:http holding the same responses, and in a bare `net` server (the floor of a socket), at N
 * connections with heartbeats on. Each target runs twice in a fresh process
 * (`idle-memory.ts`): once for RSS alone (a heap snapshot's own allocations would stay in RSS),
 * once for the heap snapshot, aggregated by constructor, per connection.
 *
 *   npm run build
 *   node --import tsx bench/profile/idle-heap-by-constructor.ts [--n 10000] [--heartbeat-ms 15000] [--top 40]
 *     [--targets herald,plain,takeover,net] [--runs 1] [--settle-ms 1500] [--before <dir>]
 *
 * `--before <dir>` adds the target `before`: Herald from a copy of `dist/` made before a change
 * (`cp -r dist <dir>`, somewhere below the repository so its packages resolve), run in alternation
 * with `herald` (`--runs 3`) for a before/after comparison.
 *
 * `takeover` is node:http whose connection is taken over after the head (its listeners removed,
 * its parser freed, request and response dropped), as node:http does for an upgrade.
 *
 * The server's open-file limit bounds N (one descriptor per connection, plus the client process's).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Row {
  name: string;
  count: number;
  bytes: number;
}
interface Measure {
  target: string;
  n: number;
  rssOnly: boolean;
  memory: Record<string, number>;
  snapshotBytes: number;
  rows: Row[];
}

const TARGET_FLAGS: Record<string, string[]> = {
  herald: ['--dist'],
  plain: ['--plain'],
  net: ['--net'],
  takeover: ['--plain-takeover'],
};

function parseArgs(argv: string[]) {
  const args = {
    n: 10_000,
    heartbeatMs: 15_000,
    settleMs: 1500,
    top: 40,
    targets: ['herald', 'plain', 'takeover', 'net'],
    runs: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--n') args.n = Number(argv[++i]);
    else if (argv[i] === '--heartbeat-ms') args.heartbeatMs = Number(argv[++i]);
    else if (argv[i] === '--top') args.top = Number(argv[++i]);
    else if (argv[i] === '--settle-ms') args.settleMs = Number(argv[++i]);
    else if (argv[i] === '--targets') args.targets = String(argv[++i]).split(',');
    else if (argv[i] === '--runs') args.runs = Number(argv[++i]);
    else if (argv[i] === '--before') {
      TARGET_FLAGS.before = ['--dist-dir', String(argv[++i])];
      args.targets.unshift('before');
    }
  }
  return args;
}

const script = fileURLToPath(new URL('./idle-memory.ts', import.meta.url));

function measure(
  target: string,
  n: number,
  heartbeatMs: number,
  settleMs: number,
  rssOnly: boolean,
): Measure {
  const flags = TARGET_FLAGS[target];
  if (flags === undefined) throw new Error(`unknown target ${target} (herald, plain, takeover, net)`);
  const out = execFileSync(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      script,
      ...flags,
      '--n',
      String(n),
      '--heartbeat-ms',
      String(heartbeatMs),
      '--settle-ms',
      String(settleMs),
      '--json',
      '--top',
      '1000',
      ...(rssOnly ? ['--rss-only'] : []),
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = out.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as Measure;
}

const kib = (bytes: number | undefined) => (bytes === undefined ? '–' : (bytes / 1024).toFixed(2));

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const rss = new Map<string, Measure[]>();
  const heap = new Map<string, Measure>();
  for (let run = 0; run < args.runs; run++) {
    // Alternating targets, so a noisy neighbour spreads over all of them.
    for (const target of args.targets) {
      const list = rss.get(target) ?? [];
      list.push(measure(target, args.n, args.heartbeatMs, args.settleMs, true));
      rss.set(target, list);
    }
  }
  for (const target of args.targets)
    heap.set(target, measure(target, args.n, args.heartbeatMs, args.settleMs, false));

  console.log(
    `# ${args.n} idle SSE connections, heartbeats every ${args.heartbeatMs} ms, measured after ${args.settleMs} ms idle, per connection`,
  );
  console.log();
  console.log(`| measure | ${args.targets.join(' | ')} |`);
  console.log(`|---|${args.targets.map(() => '---:').join('|')}|`);
  const line = (label: string, value: (target: string) => string) =>
    console.log(`| ${label} | ${args.targets.map(value).join(' | ')} |`);
  line('RSS delta / N, KiB (runs)', (t) => (rss.get(t) ?? []).map((m) => kib(m.memory.rss)).join(' / '));
  line('heapUsed after full GC / N, KiB', (t) =>
    (rss.get(t) ?? []).map((m) => kib(m.memory.heapUsed)).join(' / '),
  );
  line('heapTotal (V8 pages kept) / N, KiB', (t) =>
    (rss.get(t) ?? []).map((m) => kib(m.memory.heapTotal)).join(' / '),
  );
  line('RSS − heapTotal / N, KiB (native)', (t) =>
    (rss.get(t) ?? []).map((m) => kib((m.memory.rss ?? 0) - (m.memory.heapTotal ?? 0))).join(' / '),
  );
  line('heap snapshot self size / N, B', (t) => (heap.get(t)?.snapshotBytes ?? 0).toFixed(0));
  console.log();

  // Rows: every constructor among the top of any target, by the largest bytes per connection.
  const byName = new Map<string, Map<string, Row>>();
  for (const [target, m] of heap) {
    for (const row of m.rows) {
      const cells = byName.get(row.name) ?? new Map<string, Row>();
      cells.set(target, row);
      byName.set(row.name, cells);
    }
  }
  const names = [...byName]
    .map(([name, cells]) => ({
      name,
      max: Math.max(...[...cells.values()].map((row) => Math.abs(row.bytes))),
    }))
    .filter((row) => row.max >= 1)
    .sort((a, b) => b.max - a.max)
    .slice(0, args.top);
  console.log('Heap snapshot, self size per connection by constructor (objects per connection, bytes):');
  console.log();
  console.log(`| constructor | ${args.targets.map((t) => `${t} objects | ${t} B`).join(' | ')} |`);
  console.log(`|---|${args.targets.map(() => '---:|---:').join('|')}|`);
  for (const { name } of names) {
    const cells = byName.get(name)!;
    const values = args.targets.map((t) => {
      const row = cells.get(t);
      return row === undefined ? '0 | 0' : `${row.count.toFixed(2)} | ${row.bytes.toFixed(0)}`;
    });
    console.log(`| ${name.replaceAll('|', '\\|').slice(0, 60)} | ${values.join(' | ')} |`);
  }
}

main();

/**
 * Fan-out benchmark: Herald against a plain node:http server, better-sse and nchan, all started by
 * this script on loopback and driven by load processes of its own (never the server's process).
 * See bench/fanout/README.md for what is measured and how to read it.
 *
 *   npm run bench:fanout -- --quick
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runIdleCell } from './idle-cell.js';
import { LoadProcess } from './load/load-process.js';
import type { PublishCommand, PublishReply } from './load/protocol.js';
import { type BenchOptions, parseOptions, type TargetName, USAGE, UsageError } from './options.js';
import { clockTicksPerSecond, openFileLimit } from './proc-stats.js';
import { ProgressBar } from './progress.js';
import { runPublishLatencyCell } from './publish-latency-cell.js';
import { runPublishThroughputCells } from './publish-throughput-cell.js';
import { markdownReport } from './report/markdown.js';
import { svgChart } from './report/svg-chart.js';
import type { CellResult, RunMeta } from './results.js';
import { SubscriberPool } from './subscriber-pool.js';
import { heraldTarget } from './targets/herald.js';
import { nchanTarget } from './targets/nchan.js';
import { betterSseTarget, plainNodeTarget } from './targets/node-script-targets.js';
import type { RunningTarget, TargetContext, TargetDefinition } from './targets/target.js';
import { type Publisher, runThroughputCells } from './throughput-cell.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function definition(name: TargetName, options: BenchOptions): TargetDefinition {
  switch (name) {
    case 'herald-memory':
      return heraldTarget({ store: 'memory', useBuild: options.heraldUseBuild });
    case 'herald-sqlite':
      return heraldTarget({ store: 'sqlite', useBuild: options.heraldUseBuild });
    case 'herald-redis':
      return heraldTarget({ store: 'redis', useBuild: options.heraldUseBuild });
    case 'herald-redis-workers':
      return heraldTarget({
        store: 'redis',
        workers: options.heraldWorkers,
        useBuild: options.heraldUseBuild,
      });
    case 'plain-node':
      return plainNodeTarget;
    case 'better-sse':
      return betterSseTarget;
    case 'nchan':
      return nchanTarget;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class Bench {
  readonly cells: CellResult[] = [];
  readonly #options: BenchOptions;
  readonly #pool: SubscriberPool;
  readonly #publisher: Publisher;
  readonly #progress: ProgressBar;
  readonly #started: RunningTarget[] = [];
  readonly #scratchRoot = mkdtempSync(join(tmpdir(), 'herald-fanout-'));
  #scratchCount = 0;
  current: RunningTarget | undefined;

  constructor(options: BenchOptions) {
    this.#options = options;
    this.#pool = new SubscriberPool(repoRoot, options.clientProcesses);
    this.#publisher = new LoadProcess(repoRoot, 'publisher-worker.ts') as LoadProcess<
      PublishCommand,
      PublishReply
    >;
    const perTarget =
      options.subscribers.length * 2 +
      options.idleConnections.length +
      (options.publishLatencyRequests > 0 ? 1 : 0);
    const publishRuns = options.publishDepths.length * options.publishRounds;
    this.#progress = new ProgressBar(options.targets.length * (perTarget + publishRuns));
  }

  #context(): TargetContext {
    const scratchDir = join(this.#scratchRoot, String(++this.#scratchCount));
    mkdirSync(scratchDir, { recursive: true });
    return { repoRoot, scratchDir, heraldArgs: this.#options.heraldArgs };
  }

  async #withTarget<T>(def: TargetDefinition, body: (target: RunningTarget) => Promise<T>): Promise<T> {
    this.#progress.phase(`${def.name}: starting`);
    const target = await def.start(this.#context());
    this.current = target;
    try {
      return await body(target);
    } finally {
      this.current = undefined;
      await target.stop();
    }
  }

  #fail(target: string, what: string, error: unknown): void {
    const reason = `${what} failed: ${message(error)}`;
    this.cells.push({ kind: 'skipped', target, reason });
    this.#progress.log(`${target}: ${reason}`);
  }

  async runTarget(def: TargetDefinition): Promise<void> {
    const options = this.#options;
    const reason = def.unavailableReason(this.#context());
    if (reason !== undefined) {
      this.cells.push({ kind: 'skipped', target: def.name, reason });
      this.#progress.log(`${def.name}: skipped: ${reason}`);
      this.#progress.step(
        options.subscribers.length * 2 +
          options.idleConnections.length +
          (options.publishLatencyRequests > 0 ? 1 : 0),
      );
      return;
    }
    const settings = { ...options };
    if (options.subscribers.length > 0) {
      try {
        await this.#withTarget(def, async (target) => {
          for (const subscribers of options.subscribers) {
            try {
              const cells = await runThroughputCells(
                this.#pool,
                this.#publisher,
                target,
                subscribers,
                settings,
                (l) => this.#progress.phase(l),
              );
              this.cells.push(...cells);
            } catch (error) {
              this.#fail(def.name, `S=${subscribers}`, error);
            }
            this.#progress.step(2);
          }
        });
      } catch (error) {
        this.#fail(def.name, 'start', error);
      }
    }
    if (options.publishLatencyRequests > 0) {
      this.#progress.phase(`${def.name}: publish latency`);
      try {
        this.cells.push(
          await this.#withTarget(def, (target) =>
            runPublishLatencyCell(target, options.publishLatencyRequests),
          ),
        );
      } catch (error) {
        this.#fail(def.name, 'publish latency', error);
      }
      this.#progress.step();
    }
    for (const connections of options.idleConnections) {
      try {
        const cell = await this.#withTarget(def, (target) =>
          runIdleCell(this.#pool, this.#publisher, target, connections, options.idleSteadyMs, (l) =>
            this.#progress.phase(l),
          ),
        );
        this.cells.push(cell);
      } catch (error) {
        this.#fail(def.name, `idle N=${connections}`, error);
      }
      this.#progress.step();
    }
  }

  /**
   * Publish throughput: every available target started at once (idle while the others run), the
   * runs alternated between them (see publish-throughput-cell.ts), then all stopped.
   */
  async runPublishThroughput(defs: readonly TargetDefinition[]): Promise<void> {
    const options = this.#options;
    const runsPerTarget = options.publishDepths.length * options.publishRounds;
    if (runsPerTarget === 0) return;
    try {
      for (const def of defs) {
        const reason = def.unavailableReason(this.#context());
        if (reason !== undefined) {
          if (!this.cells.some((c) => c.kind === 'skipped' && c.target === def.name)) {
            this.cells.push({ kind: 'skipped', target: def.name, reason });
          }
          this.#progress.step(runsPerTarget);
          continue;
        }
        this.#progress.phase(`${def.name}: starting`);
        try {
          this.#started.push(await def.start(this.#context()));
        } catch (error) {
          this.#fail(def.name, 'publish throughput start', error);
          this.#progress.step(runsPerTarget);
        }
      }
      if (this.#started.length === 0) return;
      this.cells.push(
        ...(await runPublishThroughputCells(
          this.#publisher,
          this.#started,
          { depths: options.publishDepths, seconds: options.publishSeconds, rounds: options.publishRounds },
          (l) => this.#progress.phase(l),
          () => this.#progress.step(),
        )),
      );
    } catch (error) {
      this.#fail(this.#started.map((t) => t.name).join(', '), 'publish throughput', error);
    } finally {
      await Promise.all(this.#started.splice(0).map((t) => t.stop()));
    }
  }

  async close(): Promise<void> {
    this.#progress.finish();
    await this.current?.stop();
    await Promise.all(this.#started.splice(0).map((t) => t.stop()));
    await Promise.all([this.#pool.stop(), this.#publisher.stop()]);
    rmSync(this.#scratchRoot, { recursive: true, force: true });
  }
}

function writeResults(outDir: string, meta: RunMeta, cells: readonly CellResult[]): string[] {
  mkdirSync(outDir, { recursive: true });
  const stamp = meta.startedAt.replace(/[:.]/g, '-');
  const markdown = markdownReport(meta, cells);
  const files: Array<[string, string]> = [
    [`fanout-${stamp}.md`, markdown],
    [`fanout-${stamp}.json`, `${JSON.stringify({ meta, cells }, null, 2)}\n`],
    [`fanout-${stamp}.svg`, svgChart(cells)],
  ];
  for (const [name, text] of files) writeFileSync(join(outDir, name), text);
  process.stdout.write(`${markdown}\n`);
  return files.map(([name]) => relative(process.cwd(), join(outDir, name)));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const reportAt = argv.indexOf('--report');
  if (reportAt >= 0) {
    const file = argv[reportAt + 1];
    if (file === undefined) throw new UsageError("--report expects the path of a run's JSON file");
    const run = JSON.parse(readFileSync(file, 'utf8')) as { meta: RunMeta; cells: CellResult[] };
    const written = writeResults(dirname(resolve(file)), run.meta, run.cells);
    process.stderr.write(`results: ${written.join(', ')}\n`);
    return;
  }
  const options = parseOptions(argv);
  const startedAt = new Date().toISOString();
  const bench = new Bench(options);
  const interrupt = () => {
    void bench.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const perTargetCells =
      options.subscribers.length + options.idleConnections.length + options.publishLatencyRequests;
    if (perTargetCells > 0) {
      for (const name of options.targets) await bench.runTarget(definition(name, options));
    }
    await bench.runPublishThroughput(options.targets.map((name) => definition(name, options)));
  } finally {
    await bench.close();
  }
  const meta: RunMeta = {
    startedAt,
    finishedAt: new Date().toISOString(),
    node: process.versions.node,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    clockTicksPerSec: clockTicksPerSecond(),
    openFileLimit: { soft: openFileLimit('self'), hard: openFileLimit('self', 'hard') },
    command: `bench:fanout ${argv.join(' ')}`.trim(),
    options,
  };
  const written = writeResults(resolve(repoRoot, options.outDir), meta, bench.cells);
  process.stderr.write(`results: ${written.join(', ')}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

/** Command-line flags of the fan-out benchmark. */
export const TARGET_NAMES = [
  'herald-memory',
  'herald-sqlite',
  'herald-redis',
  'herald-redis-workers',
  'plain-node',
  'better-sse',
  'nchan',
] as const;
/** Targets run when `--targets` is not given: the Redis ones have their own comparison (bench:cluster). */
export const DEFAULT_TARGETS: readonly TargetName[] = [
  'herald-memory',
  'herald-sqlite',
  'plain-node',
  'better-sse',
  'nchan',
];
export type TargetName = (typeof TARGET_NAMES)[number];

export interface BenchOptions {
  targets: TargetName[];
  subscribers: number[];
  idleConnections: number[];
  /**
   * Idle cells also read both RSS figures again after this long idle (0: not). An idle Node
   * process gives the pages its garbage left back only after V8's memory reducer ran, tens of
   * seconds later: this is the steady state of a server whose connections stay open.
   */
  idleSteadyMs: number;
  rateDeliveriesPerSec: number;
  rateSeconds: number;
  deliveriesPerFullRun: number;
  maxPublishSeconds: number;
  pipelineWindow: number;
  clientProcesses: number;
  /** `herald serve --workers N` for the `herald-redis-workers` target. */
  heraldWorkers: number;
  /** Sequential publishes timed per target (0: none). */
  publishLatencyRequests: number;
  /** Publish-throughput cells: requests in flight on one pipelined connection (empty: none). */
  publishDepths: number[];
  /** Length of one publish-throughput run, in seconds. */
  publishSeconds: number;
  /** Publish-throughput runs per (target, depth), alternated between targets; the median is kept. */
  publishRounds: number;
  heraldArgs: string[];
  /** `auto`: the compiled CLI when `dist/` is at least as new as `src/`, else the source via tsx. */
  heraldUseBuild: boolean | 'auto';
  outDir: string;
  quick: boolean;
}

export const USAGE = `Usage: npm run bench:fanout -- [flags]
  --quick               small matrix for a smoke run (< 1 min)
  --targets a,b         any of ${TARGET_NAMES.join(', ')}
                        (default: all but the Redis ones, which start a redis-server of their own)
  --no-idle             no idle-memory cells
  --publish-latency N   time N sequential publishes (depth 1) per target: p50/p99 ms
  --publish-depth 1,8,64  publish throughput: publishes/s and server CPU per publish on one
                        pipelined keep-alive connection with D requests in flight, no subscriber,
                        targets alternated (default 1,8,64; given alone, runs only these cells)
  --no-publish-depth    no publish-throughput cells
  --publish-seconds 3   length of one publish-throughput run (default 3, 1 with --quick)
  --publish-rounds 3    runs per target and depth, alternated; the median is reported (default 3)
  --workers 2           processes of the herald-redis-workers target (herald serve --workers N)
  --subs 100,1000       subscriber counts for throughput cells (default 100,1000,10000)
  --idle 10000,20000    idle connection counts for memory cells; given alone (without --subs),
                        runs only the idle cells, e.g. --idle 100000
  --idle-steady-s 60    idle cells also measure at steady state: the server idles this long at
                        rest, and again with its N connections, before each RSS reading
                        (default 0: only the reading 1.5 s after the last connection)
  --rate 50000          deliveries per second in fixed-rate cells
  --rate-seconds 3      length of a fixed-rate run
  --deliveries 500000   deliveries a full-speed run aims at (events = deliveries / subscribers);
                        publishing stops after 8 s (5 s with --quick) whatever the count
  --window 32           publish requests in flight on the pipelined connection
  --client-procs 2      minimum subscriber load processes (more are added past 15,000 sockets)
  --herald-args "…"     extra arguments for \`herald serve\` (e.g. to disable heartbeats)
  --herald-dist         run the compiled dist/cli/main.js (default when it is newer than src/)
  --herald-source       run the TypeScript source through tsx (slower start; its keep-names
                        transform makes every closure a dictionary object: ~+4 KiB/connection)
  --out DIR             where results go (default bench/results)
  --report RUN.json     measure nothing: write the report and chart of a saved run again, beside
                        its JSON (after a change to the report's code)`;

export class UsageError extends Error {
  readonly code = 'USAGE';
}

function numberList(flag: string, value: string | undefined): number[] {
  const list = (value ?? '').split(',').map((part) => Number(part.replace(/_/g, '')));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new UsageError(
      `${flag} expects positive integers separated by commas, got ${JSON.stringify(value)}`,
    );
  }
  return list;
}

function positive(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!(n > 0)) throw new UsageError(`${flag} expects a positive number, got ${JSON.stringify(value)}`);
  return n;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const options: BenchOptions = {
    targets: [...DEFAULT_TARGETS],
    subscribers: quick ? [100, 1000] : [100, 1000, 10_000],
    idleConnections: quick ? [1000] : [10_000, 20_000],
    idleSteadyMs: 0,
    rateDeliveriesPerSec: quick ? 20_000 : 50_000,
    rateSeconds: quick ? 1 : 3,
    deliveriesPerFullRun: quick ? 50_000 : 500_000,
    maxPublishSeconds: quick ? 5 : 8,
    pipelineWindow: 32,
    clientProcesses: 2,
    heraldWorkers: 2,
    publishLatencyRequests: 0,
    publishDepths: [1, 8, 64],
    publishSeconds: quick ? 1 : 3,
    publishRounds: quick ? 1 : 3,
    heraldArgs: [],
    heraldUseBuild: 'auto',
    outDir: 'bench/results',
    quick,
  };
  let subsGiven = false;
  let idleGiven = false;
  let publishGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i];
    switch (flag) {
      case '--quick':
        break;
      case '--targets': {
        const names = (value() ?? '').split(',');
        const unknown = names.filter((n) => !(TARGET_NAMES as readonly string[]).includes(n));
        if (unknown.length > 0) throw new UsageError(`unknown target(s): ${unknown.join(', ')}`);
        options.targets = names as TargetName[];
        break;
      }
      case '--subs':
        options.subscribers = numberList(flag, value());
        subsGiven = true;
        break;
      case '--idle':
        options.idleConnections = numberList(flag, value());
        idleGiven = true;
        break;
      case '--rate':
        options.rateDeliveriesPerSec = positive(flag, value());
        break;
      case '--rate-seconds':
        options.rateSeconds = positive(flag, value());
        break;
      case '--deliveries':
        options.deliveriesPerFullRun = positive(flag, value());
        break;
      case '--window':
        options.pipelineWindow = Math.round(positive(flag, value()));
        break;
      case '--client-procs':
        options.clientProcesses = Math.round(positive(flag, value()));
        break;
      case '--idle-steady-s':
        options.idleSteadyMs = Math.round(positive(flag, value()) * 1000);
        break;
      case '--no-idle':
        options.idleConnections = [];
        idleGiven = true;
        break;
      case '--publish-latency':
        options.publishLatencyRequests = Math.round(positive(flag, value()));
        break;
      case '--publish-depth':
        options.publishDepths = numberList(flag, value());
        publishGiven = true;
        break;
      case '--no-publish-depth':
        options.publishDepths = [];
        break;
      case '--publish-seconds':
        options.publishSeconds = positive(flag, value());
        break;
      case '--publish-rounds':
        options.publishRounds = Math.round(positive(flag, value()));
        break;
      case '--workers':
        options.heraldWorkers = Math.round(positive(flag, value()));
        break;
      case '--herald-args':
        options.heraldArgs = (value() ?? '').split(/\s+/).filter((a) => a.length > 0);
        break;
      case '--herald-dist':
        options.heraldUseBuild = true;
        break;
      case '--herald-source':
        options.heraldUseBuild = false;
        break;
      case '--out':
        options.outDir = value() ?? options.outDir;
        break;
      default:
        throw new UsageError(`unknown flag ${flag}`);
    }
  }
  if (idleGiven && !subsGiven && options.idleConnections.length > 0) options.subscribers = [];
  // `--publish-depth` alone: only the publish-throughput cells.
  if (publishGiven && !subsGiven && !idleGiven) {
    options.subscribers = [];
    options.idleConnections = [];
  }
  // Other cells alone (`--subs`, `--idle`): no publish-throughput cells unless asked for.
  if (!publishGiven && (subsGiven || idleGiven)) options.publishDepths = [];
  return options;
}

/**
 * How tests run the `herald` CLI: the TypeScript entry point through tsx's loader, named by path
 * (a test may run the CLI in another working directory, where `tsx` resolves to nothing).
 */
import { type ChildProcess, spawn } from 'node:child_process';
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

/** One JSON line of `herald serve`'s log. */
export type ServeLogRecord = Record<string, unknown> & { msg?: string };

/**
 * A running `herald serve` (spawned with `serveArgs`) and its log, parsed line by line: wait for a
 * line rather than sleep. `kill('SIGKILL')` it when the test ends (`stop`).
 */
export class ServeProcess {
  readonly records: ServeLogRecord[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #waiters = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    this.exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
    void this.exited.then(() => this.#wake());
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        try {
          this.records.push(JSON.parse(line) as ServeLogRecord);
        } catch {
          // not a log line
        }
      }
      this.#wake();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      this.#wake();
    });
  }

  /** `herald serve` on loopback (port 0) with `extra` flags; `env` is added to this process's. */
  static spawn(extra: string[], env: Record<string, string> = {}, cwd?: string): ServeProcess {
    const child = spawn(process.execPath, serveArgs(...extra), {
      cwd,
      env: { ...process.env, HERALD_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServeProcess(child);
  }

  /** The first record from index `from` on that `matches`; rejects when the process exits or time runs out. */
  waitForLog(
    matches: (record: ServeLogRecord) => boolean,
    from = 0,
    timeoutMs = 20_000,
  ): Promise<ServeLogRecord> {
    return new Promise((done, fail) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        fail(
          new Error(`no such log line in ${timeoutMs} ms: ${JSON.stringify(this.records)} ${this.stderr}`),
        );
      }, timeoutMs);
      const check = () => {
        const found = this.records.slice(from).find(matches);
        const hasExited = this.child.exitCode !== null || this.child.signalCode !== null;
        if (found === undefined && !hasExited) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        if (found === undefined) fail(new Error(`exited: ${JSON.stringify(this.records)} ${this.stderr}`));
        else done(found);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** The port of the `herald listening` line (with `--workers`, wait for `all workers serving`). */
  async port(): Promise<number> {
    const record = await this.waitForLog((entry) => entry.msg === 'herald listening');
    return record['port'] as number;
  }

  /**
   * Sends SIGHUP and resolves with the reload's log line (`configuration reload…`, from this
   * process or, with `--workers`, the first of `count` workers' lines).
   */
  async reload(count = 1): Promise<ServeLogRecord[]> {
    const from = this.records.length;
    this.child.kill('SIGHUP');
    const lines: ServeLogRecord[] = [];
    const isReloadLine = (record: ServeLogRecord) =>
      typeof record.msg === 'string' && record.msg.startsWith('configuration reload');
    while (lines.length < count) {
      const seen = new Set(lines);
      lines.push(await this.waitForLog((record) => isReloadLine(record) && !seen.has(record), from));
    }
    return lines;
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/**
 * The processes of the cluster test: a redis-server of the test's own (on a free loopback port,
 * persisted with an fsync per write, so it can be killed and started again on the same files), and
 * `herald serve` processes on it, run from source through tsx as `test/cli/serve.test.ts` does.
 * `Cluster` is the list of hub nodes the clients choose from; a killed node's slot is taken by its
 * replacement, a new process on a new port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { SECRET } from '../http/helpers.js';
import { serveArgs } from '../support/herald-cli.js';
import { freePort, startRedisServer } from '../support/redis-server.js';

/** What a process keeps of its output for a failure message. */
const OUTPUT_KEPT_CHARS = 20_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process that the test starts, waits for, and kills. */
export class Managed {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  #output = '';

  constructor(child: ChildProcess) {
    this.child = child;
    this.exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        this.#output = (this.#output + chunk).slice(-OUTPUT_KEPT_CHARS);
      });
    }
  }

  get output(): string {
    return this.#output;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first match of `pattern` in the output; rejects on exit or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, what: string, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((done, fail) => {
      const timer = setTimeout(
        () => finish(new Error(`${what}: not ready after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const check = () => {
        const match = pattern.exec(this.#output);
        if (match) finish(match);
      };
      const onExit = () => finish(new Error(`${what}: exited before it was ready`));
      const finish = (result: RegExpExecArray | Error) => {
        clearTimeout(timer);
        for (const stream of [this.child.stdout, this.child.stderr]) stream?.off('data', check);
        this.child.off('exit', onExit);
        if (result instanceof Error) fail(new Error(`${result.message}\n${this.#output}`));
        else done(result);
      };
      for (const stream of [this.child.stdout, this.child.stderr]) stream?.on('data', check);
      this.child.once('exit', onExit);
      check();
    });
  }

  /** SIGKILL, and resolves once the process is gone. */
  async kill(): Promise<Exit> {
    if (this.isRunning) this.child.kill('SIGKILL');
    return this.exited;
  }
}

export { freePort };

/**
 * Starts redis-server on 127.0.0.1:`port` keeping its data in `dir`: append-only file, fsync before
 * every reply (so whatever it acknowledged survives a SIGKILL), no RDB snapshots. Started again on the
 * same port and dir, it reloads that file.
 */
export async function startRedis(dir: string, port: number, timeoutMs = 15_000): Promise<Managed> {
  const redis = await startRedisServer({
    port,
    dir,
    neededBy: 'the cluster test',
    readyTimeoutMs: timeoutMs,
  });
  return new Managed(redis.child);
}

/** One `herald serve` process. */
export interface HubNode {
  process: Managed;
  /** `http://127.0.0.1:<port>` */
  url: string;
}

/** Starts `herald serve` on a port the OS picks, on the Redis store `storeUrl`, anonymous subscribers allowed. */
export async function startNode(storeUrl: string, timeoutMs = 30_000): Promise<HubNode> {
  const child = spawn(process.execPath, serveArgs('--store', storeUrl, '--anonymous'), {
    env: { ...process.env, HERALD_JWT_KEY: SECRET, HERALD_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const node = new Managed(child);
  try {
    // The "herald listening" line names the port.
    const match = await node.waitForOutput(/"port":(\d+)/, 'herald serve', timeoutMs);
    return { process: node, url: `http://127.0.0.1:${match[1]}` };
  } catch (error) {
    await node.kill();
    throw error;
  }
}

/** A node a client may use now: its slot in the cluster and its URL. */
export interface Target {
  slot: number;
  url: string;
}

/**
 * The hub nodes, by slot. A slot is down from the moment its node is gone until its replacement is
 * ready.
 */
export class Cluster {
  readonly #nodes: (HubNode | undefined)[];
  /** Every node ever started, for the final cleanup and for failure messages. */
  readonly everStarted: HubNode[] = [];

  constructor(nodes: HubNode[]) {
    this.#nodes = [...nodes];
    this.everStarted.push(...nodes);
  }

  get size(): number {
    return this.#nodes.length;
  }

  /** The node in `slot`, when up. */
  at(slot: number): Target | undefined {
    const node = this.#nodes[slot];
    return node === undefined ? undefined : { slot, url: node.url };
  }

  /** Every node up. */
  up(): Target[] {
    return this.#nodes.flatMap((node, slot) => (node === undefined ? [] : [{ slot, url: node.url }]));
  }

  /** The first node up from `slot` on, wrapping around. */
  upFrom(slot: number): Target | undefined {
    for (let i = 0; i < this.#nodes.length; i++) {
      const target = this.at((slot + i) % this.#nodes.length);
      if (target !== undefined) return target;
    }
    return undefined;
  }

  /** A node up, chosen by `random`, other than the one at `avoidUrl` when another is up. */
  pick(random: () => number, avoidUrl?: string): Target | undefined {
    const up = this.up();
    const others = up.filter((target) => target.url !== avoidUrl);
    const from = others.length > 0 ? others : up;
    return from[Math.floor(random() * from.length)];
  }

  /**
   * Kills the node of `slot` (SIGKILL) with its requests and streams in flight, and takes it out of
   * the choice once it is gone: as a load balancer would, clients meanwhile find it dead by themselves.
   */
  async kill(slot: number): Promise<Exit> {
    const node = this.#nodes[slot];
    if (node === undefined) throw new Error(`slot ${slot} is already down`);
    const exit = await node.process.kill();
    this.#nodes[slot] = undefined;
    return exit;
  }

  /** Puts `node` in `slot`. */
  replace(slot: number, node: HubNode): void {
    this.#nodes[slot] = node;
    this.everStarted.push(node);
  }

  async killAll(): Promise<void> {
    await Promise.all(this.everStarted.map((node) => node.process.kill()));
  }
}

/**
 * A redis-server of a test's own, on a loopback port: without persistence, or keeping its data in a
 * directory (an append-only file fsynced before every reply, so whatever it acknowledged survives a
 * SIGKILL, and started again on the same port and directory, it reloads that file). Needs
 * redis-server on the PATH.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';

/** What a server keeps of its output for a failure message. */
const OUTPUT_KEPT_CHARS = 20_000;

/** A loopback port free right now (the OS picks it; a tiny window remains before Redis binds it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', done);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

export interface RedisServerOptions {
  port: number;
  /** Where the append-only file lives; without it, Redis persists nothing. */
  dir?: string;
  /** Who needs redis-server, for the message when it cannot be run ("this test"). */
  neededBy?: string;
  /** How long `start` waits for Redis to accept connections (15 s unless said otherwise). */
  readyTimeoutMs?: number;
}

/** One redis-server on 127.0.0.1:`port`: started, killed, and started again by the test. */
export class RedisServer {
  readonly port: number;
  readonly dir: string | undefined;
  readonly #neededBy: string;
  readonly #readyTimeoutMs: number;
  #child: ChildProcess | undefined;
  #exited: Promise<unknown> | undefined;

  constructor({ port, dir, neededBy = 'this test', readyTimeoutMs = 15_000 }: RedisServerOptions) {
    this.port = port;
    this.dir = dir;
    this.#neededBy = neededBy;
    this.#readyTimeoutMs = readyTimeoutMs;
  }

  /** `redis://127.0.0.1:<port>/0` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** The process of the last `start`. */
  get child(): ChildProcess {
    if (this.#child === undefined) throw new Error('redis-server was not started');
    return this.#child;
  }

  /** Resolves once Redis loaded its files and accepts connections; rejects if it exits first or after `timeoutMs`. */
  async start(timeoutMs = this.#readyTimeoutMs): Promise<void> {
    const persistence =
      this.dir === undefined
        ? ['--save', '', '--appendonly', 'no']
        : ['--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', ...persistence],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.#child = child;
    this.#exited = once(child, 'exit').catch(() => {});
    // Read the output as long as the process runs: a full pipe would block Redis.
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer | string) => {
        output = (output + String(chunk)).slice(-OUTPUT_KEPT_CHARS);
      });
    }
    await new Promise<void>((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        child.off('error', onError);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () =>
          finish(new Error(`redis-server on port ${this.port}: not ready after ${timeoutMs} ms\n${output}`)),
        timeoutMs,
      );
      const onData = () => {
        if (output.includes('Ready to accept connections')) finish();
      };
      const onExit = (code: number | null) => finish(new Error(`redis-server exited (${code}): ${output}`));
      const onError = (error: Error) =>
        finish(
          new Error(`cannot run redis-server (${this.#neededBy} needs it on the PATH): ${error.message}`),
        );
      child.stdout?.on('data', onData);
      child.once('exit', onExit);
      child.once('error', onError);
    });
  }

  /** SIGKILL (no goodbye to the clients; only what was fsynced survives), and resolves once it is gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await this.#exited;
  }
}

/** Starts a redis-server (see `RedisServer`); resolves once it accepts connections. */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const redis = new RedisServer(options);
  await redis.start();
  return redis;
}

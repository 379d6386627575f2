/**
 * `herald serve --workers N`: a primary and N hub processes on one port and one Redis (the Redis of
 * the store tests, under a random key prefix per run, deleted at the end).
 *
 * Which worker serves a request is proven, not assumed: the primary hands each new connection to
 * the next worker, so a keep-alive connection stays with the worker that accepted it. A connection
 * asks `/healthz` for the pid that answers, and every later request on it is checked to have reused
 * that socket (`reusedSocket`), so it reached the same process.
 */
import { randomUUID } from 'node:crypto';
import { Agent, type IncomingMessage, request } from 'node:http';
import { availableParallelism } from 'node:os';
import { createParser } from 'eventsource-parser';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseServeConfig } from '../../src/cli/config.js';
import { deleteRedisKeys, legacyToken, SECRET, TEST_REDIS_URL } from '../http/helpers.js';
import { ServeProcess } from '../support/herald-cli.js';

const RUN_PREFIX = `herald-test:${randomUUID()}:`;
const TOPIC = 'https://example.com/workers';

afterAll(() => deleteRedisKeys(TEST_REDIS_URL, RUN_PREFIX));

/** `herald serve` with `args`, keyed with the test secret. */
function spawnServe(args: string[], env: Record<string, string> = {}): ServeProcess {
  return ServeProcess.spawn(args, { HERALD_JWT_KEY: SECRET, ...env });
}

const running: ServeProcess[] = [];
afterEach(async () => {
  for (const cli of running.splice(0)) {
    if (cli.child.exitCode !== null || cli.child.signalCode !== null) continue;
    cli.child.kill('SIGKILL');
    await cli.exited;
  }
});

/** Two workers on the test Redis; resolves with the port once both serve. */
async function startWorkers(): Promise<{ cli: ServeProcess; url: string }> {
  const cli = spawnServe([
    '--workers',
    '2',
    '--store',
    TEST_REDIS_URL,
    '--redis-key-prefix',
    `${RUN_PREFIX}${randomUUID()}:`,
    '--anonymous',
  ]);
  running.push(cli);
  const serving = await cli.waitForLog((record) => record.msg === 'all workers serving');
  return { cli, url: `http://127.0.0.1:${serving['port']}` };
}

interface Answer {
  status: number;
  body: string;
  headers: IncomingMessage['headers'];
}

/**
 * One keep-alive connection to the cluster: every request on it reaches the worker that accepted
 * it. `pid` is that worker's, read from /healthz on the first request.
 */
class Connection {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 });
  #requests = 0;
  pid = 0;

  private constructor(readonly url: string) {}

  static async open(url: string): Promise<Connection> {
    const connection = new Connection(url);
    const health = await connection.send('GET', '/healthz');
    expect(health.status).toBe(200);
    connection.pid = (JSON.parse(health.body) as { pid: number }).pid;
    return connection;
  }

  /** Sends a request; a request after the first must go over the same socket (same worker). */
  send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
    return new Promise((done, fail) => {
      const req = this.#start(method, path, headers, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => done({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      });
      req.on('error', fail);
      req.end(body);
    });
  }

  /** Opens an event stream on this connection (it is then busy with it): data of events as they come. */
  subscribe(query: string): Promise<{ data: string[]; retries: number[]; ended: Promise<void> }> {
    return new Promise((done, fail) => {
      const req = this.#start('GET', `/.well-known/mercure?${query}`, {}, (res) => {
        expect(res.statusCode).toBe(200);
        const data: string[] = [];
        const retries: number[] = [];
        const parser = createParser({
          onEvent: (event) => data.push(event.data),
          onRetry: (retryMs) => retries.push(retryMs),
        });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => parser.feed(chunk));
        const ended = new Promise<void>((end) => {
          res.on('end', end);
          res.on('close', end);
        });
        done({ data, retries, ended });
      });
      req.on('error', fail);
      req.end();
    });
  }

  close(): void {
    this.#agent.destroy();
  }

  #start(
    method: string,
    path: string,
    headers: Record<string, string>,
    onResponse: (res: IncomingMessage) => void,
  ) {
    const isFirst = this.#requests++ === 0;
    const req = request(`${this.url}${path}`, { method, headers, agent: this.#agent }, onResponse);
    req.on('socket', () => {
      if (!isFirst && !req.reusedSocket) req.destroy(new Error('a new connection: maybe another worker'));
    });
    return req;
  }
}

/** Opens connections until `count` of them are served by distinct workers (round-robin: soon). */
async function connectionsToDistinctWorkers(url: string, count: number): Promise<Connection[]> {
  const byPid = new Map<number, Connection>();
  const extra: Connection[] = [];
  for (let attempt = 0; attempt < 20 && byPid.size < count; attempt++) {
    const connection = await Connection.open(url);
    if (byPid.has(connection.pid)) extra.push(connection);
    else byPid.set(connection.pid, connection);
  }
  for (const connection of extra) connection.close();
  expect(byPid.size).toBe(count);
  return [...byPid.values()];
}

/** The pid that answers /healthz on a new connection. */
async function pidOnNewConnection(url: string): Promise<number> {
  const connection = await Connection.open(url);
  connection.close();
  return connection.pid;
}

async function publishOn(connection: Connection, data: string): Promise<Answer> {
  const token = await legacyToken({ publish: ['*'] });
  return connection.send(
    'POST',
    '/.well-known/mercure',
    { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    new URLSearchParams([
      ['topic', TOPIC],
      ['data', data],
    ]).toString(),
  );
}

async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((done) => setTimeout(done, 25));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe('herald serve --workers', () => {
  it('with 2 workers on Redis: a subscriber of one worker receives what is published through the other; SIGTERM drains both and exits 0', async () => {
    const { cli, url } = await startWorkers();
    const [first, second] = await connectionsToDistinctWorkers(url, 2);
    expect(first!.pid).not.toBe(second!.pid);
    expect([first!.pid, second!.pid]).not.toContain(cli.child.pid);

    const stream = await first!.subscribe(`topic=${encodeURIComponent(TOPIC)}`);
    const published = await publishOn(second!, 'through the other worker');
    expect(published.status).toBe(200);
    // The publication went over the second connection: still the second worker answering there.
    const again = await second!.send('GET', '/healthz');
    expect((JSON.parse(again.body) as { pid: number }).pid).toBe(second!.pid);
    await waitUntil(() => stream.data.length > 0, 'the event on the first worker');
    expect(stream.data).toEqual(['through the other worker']);
    second!.close();

    const from = cli.records.length;
    cli.child.kill('SIGTERM');
    await stream.ended;
    expect(stream.retries).toEqual([1000]);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    const stoppedWorkers = cli.records
      .slice(from)
      .filter((record) => record.msg === 'worker stopped')
      .map((record) => [record['code'], record['signal']]);
    expect(stoppedWorkers).toEqual([
      [0, null],
      [0, null],
    ]);
    first!.close();
  });

  it('restarts a worker killed with SIGKILL while the port keeps answering, then stops on SIGTERM with exit 0', async () => {
    const { cli, url } = await startWorkers();
    const connections = await connectionsToDistinctWorkers(url, 2);
    const [victim, survivor] = connections.map((connection) => connection.pid) as [number, number];
    for (const connection of connections) connection.close();

    const from = cli.records.length;
    process.kill(victim, 'SIGKILL');
    const died = await cli.waitForLog((record) => record.msg === 'worker died: restarting it', from);
    expect(died).toMatchObject({ workerPid: victim, signal: 'SIGKILL' });
    // Until the new worker serves, the other one takes every connection.
    const restarted = cli.waitForLog(
      (record) => record.msg === 'worker serving' && record['workerPid'] !== victim,
      from,
    );
    for (let i = 0; i < 3; i++) expect([survivor]).toContain(await pidOnNewConnection(url));
    const replacement = (await restarted)['workerPid'] as number;
    expect([victim, survivor]).not.toContain(replacement);

    // Both serve again: the new worker among them, the killed one gone.
    const seen = new Set<number>();
    for (let i = 0; i < 20 && seen.size < 2; i++) seen.add(await pidOnNewConnection(url));
    expect([...seen].sort()).toEqual([replacement, survivor].sort());

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
  });

  it('exits 1 when the workers cannot start (Redis unreachable) instead of restarting them forever', async () => {
    const cli = spawnServe(['--workers', '2', '--store', 'redis://127.0.0.1:1/0']);
    running.push(cli);
    expect(await cli.exited).toEqual({ code: 1, signal: null });
    expect(cli.records.some((record) => record.msg === 'worker failed to start')).toBe(true);
    expect(cli.stderr).toContain('Cannot connect to Redis at');
  });

  it('refuses --workers above 1 with the memory store and with the default SQLite store, saying why and what to use (exit 2)', async () => {
    const memory = spawnServe(['--workers', '2', '--store', 'memory']);
    const sqlite = spawnServe([], { HERALD_WORKERS: '2' });
    running.push(memory, sqlite);
    expect((await memory.exited).code).toBe(2);
    expect(memory.stderr).toContain('--workers 2 is refused with the memory store');
    expect(memory.stderr).toContain('each worker process would keep its own history');
    expect(memory.stderr).toContain('--store redis://HOST:PORT/DB');
    expect((await sqlite.exited).code).toBe(2);
    expect(sqlite.stderr).toContain('--workers 2 is refused with the SQLite store');
    expect(sqlite.stderr).toContain('write lock');
    expect(sqlite.stderr).toContain('its broker is in-process');
    expect(sqlite.stderr).toContain('--store redis://HOST:PORT/DB');
  });
});

describe('--workers and --redis-key-prefix configuration', () => {
  const redis = ['--store', 'redis://127.0.0.1:6379/0'];

  it('takes an integer from 1 to 64, or auto (the available CPUs), from the flag or HERALD_WORKERS', () => {
    expect(parseServeConfig([], {}).workers).toBe(1);
    expect(parseServeConfig(['--workers', '1', '--store', 'memory'], {}).workers).toBe(1);
    expect(parseServeConfig([...redis, '--workers', '64'], {}).workers).toBe(64);
    expect(parseServeConfig(redis, { HERALD_WORKERS: '3' }).workers).toBe(3);
    expect(parseServeConfig([...redis, '--workers', 'auto'], {}).workers).toBe(
      Math.min(availableParallelism(), 64),
    );
  });

  it('refuses any other value, naming the flag', () => {
    for (const value of ['0', '65', '-1', '1.5', 'two', ' 2', '0x2', '']) {
      expect(() => parseServeConfig([...redis, `--workers=${value}`], {})).toThrow(ConfigError);
      expect(() => parseServeConfig([...redis, `--workers=${value}`], {})).toThrow(
        /^--workers \(HERALD_WORKERS\) must be an integer from 1 to 64, or auto/,
      );
    }
    expect(() => parseServeConfig(redis, { HERALD_WORKERS: '100' })).toThrow(/--workers/);
  });

  it('refuses several workers with --demo, whose publisher would run in each', () => {
    expect(() => parseServeConfig([...redis, '--demo', '--workers', '2'], {})).toThrow(
      /--workers 2 is refused with --demo/,
    );
  });

  it('reads the Redis key prefix from --redis-key-prefix or HERALD_REDIS_KEY_PREFIX, never empty', () => {
    expect(parseServeConfig(redis, {}).redisKeyPrefix).toBeUndefined();
    expect(parseServeConfig([...redis, '--redis-key-prefix', 'app1:'], {}).redisKeyPrefix).toBe('app1:');
    expect(parseServeConfig(redis, { HERALD_REDIS_KEY_PREFIX: 'app2:' }).redisKeyPrefix).toBe('app2:');
    expect(() => parseServeConfig([...redis, '--redis-key-prefix', ''], {})).toThrow(
      '--redis-key-prefix must not be empty',
    );
  });
});

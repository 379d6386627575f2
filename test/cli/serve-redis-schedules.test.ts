/**
 * Two `herald serve` processes on one Redis, one of them killed (SIGKILL) in the middle of a
 * delivery: after publishing a batch of occurrences, before recording them. The other process must
 * take the dead one's claims over once their lease ends (10 s, the runner's default) and redeliver
 * them, which the event store refuses as duplicates: every subscriber gets each occurrence once.
 *
 * The test runs a redis-server of its own on a free loopback port (the CLI has no key-prefix flag,
 * so the processes use the default `herald:` keys), and puts a relay between the first process and
 * Redis that reads the commands going through: at the first completion script it relays nothing
 * more, and the test kills that process. So the kill lands exactly between publishing and
 * completing, every time, without sleeps.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { occurrenceEventId } from '../../src/schedule/occurrence-id.js';
import { RedisScheduleStore } from '../../src/store/schedule-redis.js';
import { COMPLETE_SCRIPT } from '../../src/store/schedule-redis-scripts.js';
import { formatInstant } from '../../src/time/instant.js';
import { legacyToken, publish, SECRET, subscribe } from '../http/helpers.js';
import { serveArgs } from '../support/herald-cli.js';
import { freePort, RedisServer } from '../support/redis-server.js';

const TOPIC = 'https://example.com/reminders';
const SCHEDULES = 100;
/** The runner's default lease, which `herald serve` uses. */
const LEASE_MS = 10_000;
/** How soon after a lease ends the survivor must have taken it over and redelivered. */
const TAKEOVER_SLACK_MS = 3_000;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Child {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnChild(command: string, args: string[], env?: NodeJS.ProcessEnv): Child {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { child, output: () => output, exited };
}

/** Resolves with the first match of `pattern` in the child's output; rejects when it exits first. */
function waitForOutput(child: Child, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return new Promise((done, fail) => {
    const check = () => {
      const match = pattern.exec(child.output());
      if (match) {
        for (const stream of [child.child.stdout, child.child.stderr]) stream?.off('data', check);
        done(match);
      }
    };
    for (const stream of [child.child.stdout, child.child.stderr]) stream?.on('data', check);
    void child.exited.then(() => fail(new Error(`${what} exited: ${child.output()}`)));
    check();
  });
}

/** A redis-server of the test's own, without persistence. */
async function startRedis(): Promise<number> {
  const redis = new RedisServer({ port: await freePort() });
  cleanups.push(() => redis.kill());
  await redis.start();
  return redis.port;
}

/** `herald serve` on `storeUrl`, anonymous subscribers allowed; resolves with its base URL. */
async function startHerald(storeUrl: string): Promise<{ herald: Child; url: string }> {
  const herald = spawnChild(process.execPath, serveArgs('--store', storeUrl, '--anonymous'), {
    ...process.env,
    HERALD_JWT_KEY: SECRET,
    HERALD_LOG_LEVEL: 'info',
  });
  const [, port] = await waitForOutput(herald, /"port":(\d+)/, 'herald serve');
  return { herald, url: `http://127.0.0.1:${port}` };
}

/**
 * One RESP command at the start of `buffer` (an array of bulk strings, what clients send): its
 * arguments and its length in bytes, or `undefined` while it is incomplete.
 */
function parseCommand(buffer: Buffer): { args: string[]; length: number } | undefined {
  let offset = 0;
  const line = () => {
    const end = buffer.indexOf('\r\n', offset);
    if (end < 0) return undefined;
    const text = buffer.toString('latin1', offset, end);
    offset = end + 2;
    return text;
  };
  const head = line();
  if (head === undefined) return undefined;
  if (!head.startsWith('*')) throw new Error(`not a RESP command: ${JSON.stringify(head)}`);
  const args: string[] = [];
  for (let i = Number(head.slice(1)); i > 0; i--) {
    const size = line();
    if (size === undefined) return undefined;
    const length = Number(size.slice(1));
    if (buffer.length < offset + length + 2) return undefined;
    args.push(buffer.toString('utf8', offset, offset + length));
    offset += length + 2;
  }
  return { args, length: offset };
}

/**
 * A relay to Redis that forwards one whole command at a time and, at the first command `isTrap`
 * picks, forwards nothing more on any of its connections, in either direction: the process behind
 * it stays connected, that command never reaches Redis and no reply comes. `trapped` resolves with
 * the command's arguments.
 */
async function trappingRelay(
  redisPort: number,
  isTrap: (args: string[]) => boolean,
): Promise<{ port: number; trapped: Promise<string[]> }> {
  let isTrapped = false;
  let onTrap: (args: string[]) => void = () => {};
  const trapped = new Promise<string[]>((done) => {
    onTrap = done;
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(redisPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      if (isTrapped) return;
      pending = Buffer.concat([pending, chunk]);
      for (let command = parseCommand(pending); command !== undefined; command = parseCommand(pending)) {
        if (isTrap(command.args)) {
          isTrapped = true;
          onTrap(command.args);
          return;
        }
        upstream.write(pending.subarray(0, command.length));
        pending = pending.subarray(command.length);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!isTrapped) client.write(chunk);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((done) => server.close(done));
  });
  return { port: (server.address() as { port: number }).port, trapped };
}

describe('herald serve: two processes on one Redis, one killed while it delivers scheduled publications', () => {
  it('the survivor takes the dead one’s claims over once their lease ends, and every occurrence reaches the subscriber exactly once', async () => {
    const redisPort = await startRedis();
    const direct = `redis://127.0.0.1:${redisPort}/0`;
    // A's first completion of a batch never reaches Redis: A has published the batch, not recorded it.
    const relay = await trappingRelay(
      redisPort,
      (args) => args[0]?.toUpperCase() === 'EVAL' && args[1] === COMPLETE_SCRIPT,
    );
    const [a, b] = await Promise.all([startHerald(`redis://127.0.0.1:${relay.port}/0`), startHerald(direct)]);
    const inspector = await RedisScheduleStore.open(direct);
    cleanups.push(() => inspector.close());
    const stream = await subscribe(b.url, `topic=${encodeURIComponent(TOPIC)}`);
    cleanups.push(async () => stream.close());

    // All through A, so only A's runner knows of them until B's next wake, 10 s (its maxWaitMs)
    // after it started: later than they fall due. Half are due at one instant (one batch of A's),
    // half spread over the second after it.
    const token = await legacyToken({ publish: ['*'] });
    const firstDueMs = Date.now() + 3_000;
    const occurrenceIds = await Promise.all(
      Array.from({ length: SCHEDULES }, async (_, i) => {
        const dueAtMs = i < SCHEDULES / 2 ? firstDueMs : firstDueMs + 20 * (i - SCHEDULES / 2 + 1);
        const response = await publish(
          a.url,
          token,
          [
            ['topic', TOPIC],
            ['data', `occurrence ${i}`],
            ['deliver_at', formatInstant(dueAtMs)],
          ],
          { accept: 'application/json' },
        );
        expect(response.status).toBe(200);
        const schedule = (await response.json()) as { id: string; dueAtMs: number };
        return occurrenceEventId(schedule.id, schedule.dueAtMs);
      }),
    );

    // kill -9 while the completion is on its way: after the batch was published, before it was recorded.
    const completion = await Promise.race([
      relay.trapped,
      new Promise<never>((_, fail) =>
        setTimeout(() => fail(new Error(`A completed no batch:\n${a.herald.output()}`)), 15_000).unref(),
      ),
    ]);
    a.herald.child.kill('SIGKILL');
    const killedAtMs = Date.now();
    expect((await a.herald.exited).signal).toBe('SIGKILL');
    // EVAL, script, 4, four keys, workerId, hash prefix, then (id, next due, delivered at, late by,
    // next occurrence index)…
    const deadWorker = completion[7]!;
    const orphanIds = completion.slice(9).filter((_, k) => k % 5 === 0);
    expect(orphanIds.length).toBeGreaterThan(0);
    const orphans = await Promise.all(orphanIds.map(async (id) => (await inspector.get(id))!));
    for (const orphan of orphans) {
      expect(orphan).toMatchObject({ state: 'claimed', claimedBy: deadWorker, deliveredCount: 0 });
      expect(orphan.leaseUntilMs! - killedAtMs).toBeGreaterThan(0);
      expect(orphan.leaseUntilMs! - killedAtMs).toBeLessThanOrEqual(LEASE_MS);
    }
    // What A published before it died reached B's subscriber (through the Redis stream).
    const orphanEventIds = orphans.map((orphan) => occurrenceEventId(orphan.id, orphan.dueAtMs));
    await vi.waitFor(
      () => expect(stream.events.map((e) => e.id)).toEqual(expect.arrayContaining(orphanEventIds)),
      { timeout: 5_000 },
    );

    // B delivers the rest and, once the leases end, takes the orphans over: nothing left to do.
    await vi.waitFor(
      async () => expect(await inspector.list({ states: ['pending', 'claimed'] })).toEqual([]),
      {
        timeout: LEASE_MS + TAKEOVER_SLACK_MS + 5_000,
        interval: 100,
      },
    );
    for (const orphan of orphans) {
      const after = (await inspector.get(orphan.id))!;
      expect(after).toMatchObject({ state: 'done', deliveredCount: 1 });
      // Taken over once the lease ended, not before, and promptly.
      expect(after.lastDeliveredAtMs! - orphan.leaseUntilMs!).toBeGreaterThanOrEqual(0);
      expect(after.lastDeliveredAtMs! - orphan.leaseUntilMs!).toBeLessThanOrEqual(TAKEOVER_SLACK_MS);
    }
    const all = await inspector.list({ limit: 1_000 });
    expect(all.map((s) => [s.state, s.deliveredCount])).toEqual(Array(SCHEDULES).fill(['done', 1]));

    // The fence: published after every occurrence was recorded, so once the subscriber has it, it
    // has everything appended before it, redeliveries included, had there been any.
    const fence = await publish(b.url, token, [
      ['topic', TOPIC],
      ['data', 'fence'],
    ]);
    expect(fence.status).toBe(200);
    const fenceId = await fence.text();
    await vi.waitFor(() => expect(stream.events.map((e) => e.id)).toContain(fenceId), { timeout: 5_000 });
    const counts = new Map<string, number>();
    for (const event of stream.events) counts.set(event.id ?? '', (counts.get(event.id ?? '') ?? 0) + 1);
    expect(new Map([...counts].filter(([id]) => id !== fenceId))).toEqual(
      new Map(occurrenceIds.map((id) => [id, 1])),
    );
    expect(counts.get(fenceId)).toBe(1);
  }, 45_000);
});

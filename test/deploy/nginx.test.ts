/**
 * The shipped nginx configuration, deploy/nginx/herald.conf, in front of two hubs on one Redis, as
 * docs/deploy.md describes it: the file itself is included, with only its upstream `server` lines
 * swapped for the two hubs of the test and its `listen` lines for a loopback port.
 *
 * Needs nginx (`apt-get install nginx`; .ci/run installs it): without it every test here fails,
 * saying so. And the Redis of the store tests (see test/store/redis.test.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request,
  type ServerResponse,
} from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createParser } from 'eventsource-parser';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHub, type HeraldHub } from '../../src/http/index.js';
import { defaultHttpOptions } from '../../src/http/options.js';
import { openStore } from '../../src/store/open.js';
import { ISSUER, legacyToken, publish, RESOURCE, SECRET } from '../http/helpers.js';
import { type EventStreamReader, openEventStream } from '../support/event-stream.js';
import { closeServer, listenOnLoopback } from '../support/listen.js';

const SHIPPED_CONFIG = resolve(dirname(fileURLToPath(import.meta.url)), '../../deploy/nginx/herald.conf');
const REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/14';
const TOPIC = 'https://example.com/books/1';
const TOPIC_QUERY = `topic=${encodeURIComponent(TOPIC)}`;
/** Short, so a heartbeat shows up within the test's bounded waits. */
const HEARTBEAT_MS = 200;
/** How long an event may take from a publish to the subscriber through nginx and Redis. */
const PROMPT_MS = 2_000;

const NGINX_PATHS = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'];
const NGINX_MISSING =
  'nginx is not installed: test/deploy runs deploy/nginx/herald.conf in a real nginx. Install it with `apt-get install nginx` (.ci/run does).';

function nginxBinary(): string | undefined {
  const onPath = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'nginx'));
  return [...NGINX_PATHS, ...onPath].find((path) => path !== 'nginx' && existsSync(path));
}

/**
 * The shipped file with its upstream `server` lines replaced by one line per `upstreams` address
 * (keeping the parameters of the first line, max_fails and the like) and its `listen` lines by one
 * `listen` on `listen`. Everything else is the file as shipped; a file whose shape this cannot find
 * fails the test rather than run something else.
 */
function renderShippedConfig(shipped: string, upstreams: string[], listen: string): string {
  const lines = shipped.split('\n');
  const out: string[] = [];
  let block: 'none' | 'upstream' = 'none';
  let serverLines = 0;
  let listenLines = 0;
  for (const line of lines) {
    const code = line.replace(/#.*/, '').trim();
    if (/^upstream\s+herald\s*\{$/.test(code)) block = 'upstream';
    else if (block === 'upstream' && code === '}') block = 'none';
    const server =
      block === 'upstream' ? /^(\s*)server\s+\S+(\s[^;]*)?;$/.exec(line.replace(/\s*#.*/, '')) : null;
    if (server) {
      if (serverLines++ === 0) {
        for (const address of upstreams) out.push(`${server[1]}server ${address}${server[2] ?? ''};`);
      }
      continue;
    }
    const listenLine = /^(\s*)listen\s+[^;]+;$/.exec(line.replace(/\s*#.*/, ''));
    if (listenLine) {
      if (listenLines++ === 0) out.push(`${listenLine[1]}listen ${listen};`);
      continue;
    }
    out.push(line);
  }
  if (serverLines === 0) throw new Error('no `server` line in `upstream herald { … }` of herald.conf');
  if (listenLines === 0) throw new Error('no `listen` line in herald.conf');
  return out.join('\n');
}

/** The value of the first active `directive` in the shipped file. */
function directive(config: string, name: string): string {
  const match = new RegExp(`^\\s*${name}\\s+([^;]+);`, 'm').exec(config.replace(/#.*$/gm, ''));
  if (match?.[1] === undefined) throw new Error(`herald.conf has no ${name}`);
  return match[1].trim();
}

/** nginx sizes (`1m`, `512k`) in bytes and times (`120s`, `2m`) in milliseconds. */
const sizeBytes = (value: string) =>
  Number.parseInt(value, 10) * ({ k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[value.slice(-1).toLowerCase()] ?? 1);
const durationMs = (value: string) =>
  Number.parseInt(value, 10) * ({ s: 1_000, m: 60_000, h: 3_600_000 }[value.slice(-1)] ?? 1_000);

// ---------------------------------------------------------------------------------------------
// The cluster: two hubs on one Redis key prefix, nginx in front.

interface SeenRequest {
  method: string | undefined;
  url: string | undefined;
  httpVersion: string;
  headers: IncomingHttpHeaders;
  /** The headers the hub wrote with its response head (after the test's filter, if any). */
  responseHeaders?: OutgoingHttpHeaders;
}

interface HubNode {
  herald: HeraldHub;
  address: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

interface Cluster {
  nodes: HubNode[];
  /** `http://127.0.0.1:<nginx port>` */
  url: string;
  stop(): Promise<void>;
}

const keyPrefixes: string[] = [];
const clusters: Cluster[] = [];
let nginx: string | undefined;

beforeAll(() => {
  nginx = nginxBinary();
});
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()));
});
afterAll(async () => {
  const admin = createClient({ url: REDIS_URL });
  await admin.connect();
  for (const prefix of keyPrefixes) {
    for await (const keys of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) await admin.del(keys);
    }
  }
  await admin.close();
});

/**
 * A hub on Redis served by a node:http server that records each request as the hub received it
 * (what nginx sent) and the response head the hub wrote; `sendsAccelBuffering: false` removes the
 * hub's `X-Accel-Buffering: no`, to show the configuration streams without it.
 */
async function startNode(keyPrefix: string, options: ClusterOptions): Promise<HubNode> {
  const sendsAccelBuffering = options.sendsAccelBuffering ?? true;
  const herald = await createHub({
    store: await openStore(REDIS_URL, { redisKeyPrefix: keyPrefix }),
    jwt: { key: { type: 'hmac', secret: SECRET }, resource: RESOURCE, issuer: ISSUER },
    allowAnonymous: true,
    heartbeatMs: HEARTBEAT_MS,
    ...(options.maxQueueBytes === undefined ? {} : { maxQueueBytes: options.maxQueueBytes }),
  });
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const request: SeenRequest = {
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      headers: req.headers,
    };
    seen.push(request);
    recordResponseHead(res, request, sendsAccelBuffering);
    herald.handleNode(req, res);
  });
  const port = await listenOnLoopback(server);
  let closing: Promise<void> | undefined;
  return {
    herald,
    address: `127.0.0.1:${port}`,
    seen,
    close() {
      closing ??= (async () => {
        await herald.close();
        await closeServer(server);
      })();
      return closing;
    },
  };
}

/** Wraps `res.writeHead(status, headers)` (the form the hub uses) to record, and maybe filter, the head. */
function recordResponseHead(res: ServerResponse, request: SeenRequest, sendsAccelBuffering: boolean): void {
  const writeHead = res.writeHead.bind(res) as (
    status: number,
    headers?: OutgoingHttpHeaders,
  ) => ServerResponse;
  const replacement = (status: number, headers?: OutgoingHttpHeaders): ServerResponse => {
    const written = { ...headers };
    if (!sendsAccelBuffering) delete written['x-accel-buffering'];
    request.responseHeaders = written;
    return writeHead(status, written);
  };
  res.writeHead = replacement as typeof res.writeHead;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolveConnect(true);
    });
    socket.once('error', () => resolveConnect(false));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listenOnLoopback(server);
  await new Promise((done) => server.close(done));
  return port;
}

/**
 * nginx in the foreground with the shipped file, in a temporary prefix: its own nginx.conf (the
 * `http` block's temp paths in the prefix), `-g` for the pid file and error log, nothing of the
 * machine's nginx setup touched.
 */
async function startNginx(
  nginx: string,
  upstreams: string[],
): Promise<{ url: string; stop(): Promise<void> }> {
  const prefix = mkdtempSync(join(tmpdir(), 'herald-nginx-'));
  // Run as root, nginx's workers switch to an unprivileged user: they must reach the temp paths.
  chmodSync(prefix, 0o755);
  const shipped = readFileSync(SHIPPED_CONFIG, 'utf8');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    writeFileSync(join(prefix, 'herald.conf'), renderShippedConfig(shipped, upstreams, `127.0.0.1:${port}`));
    writeFileSync(
      join(prefix, 'nginx.conf'),
      `worker_processes 1;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  include ${prefix}/herald.conf;
}
`,
    );
    const child = spawn(
      nginx,
      [
        '-p',
        prefix,
        '-c',
        join(prefix, 'nginx.conf'),
        '-e',
        'stderr',
        '-g',
        `daemon off; pid ${join(prefix, 'nginx.pid')}; error_log stderr;`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      if (await canConnect(port)) {
        return { url: `http://127.0.0.1:${port}`, stop: () => stopNginx(child, exited, prefix) };
      }
      await new Promise((wake) => setTimeout(wake, 20));
    }
    // The port was free a moment ago; another process may have taken it since: try another one.
    const isPortTaken = /in use/.test(stderr) && attempt < 3;
    await stopNginx(child, exited, isPortTaken ? undefined : prefix);
    if (!isPortTaken) throw new Error(`nginx did not start on 127.0.0.1:${port}:\n${stderr}`);
  }
}

/** SIGTERM is nginx's fast shutdown: open streams are cut, not waited for (SIGQUIT would wait). */
async function stopNginx(
  child: ChildProcess,
  exited: Promise<void>,
  prefix: string | undefined,
): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  if (prefix !== undefined) rmSync(prefix, { recursive: true, force: true });
}

/** Resolves what `promise` resolves, or rejects naming `what` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface ClusterOptions {
  /** `false`: the test removes the hub's `X-Accel-Buffering: no` from its responses. */
  sendsAccelBuffering?: boolean;
  maxQueueBytes?: number;
}

async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  if (nginx === undefined) throw new Error(NGINX_MISSING);
  const keyPrefix = `herald-test:${randomUUID()}:`;
  keyPrefixes.push(keyPrefix);
  const nodes = [await startNode(keyPrefix, options), await startNode(keyPrefix, options)];
  let proxy: Awaited<ReturnType<typeof startNginx>>;
  try {
    proxy = await startNginx(
      nginx,
      nodes.map((node) => node.address),
    );
  } catch (error) {
    await Promise.all(nodes.map((node) => node.close()));
    throw error;
  }
  const cluster: Cluster = {
    nodes,
    url: proxy.url,
    async stop() {
      await proxy.stop();
      await Promise.all(nodes.map((node) => node.close()));
    },
  };
  clusters.push(cluster);
  return cluster;
}

// ---------------------------------------------------------------------------------------------

const subscribersOn = (cluster: Cluster) => cluster.nodes.map((node) => node.herald.hub.subscribers.size);

/** Waits (bounded) until the nodes hold these numbers of subscribers. */
async function waitForSubscribers(cluster: Cluster, expected: number[]): Promise<void> {
  await vi.waitFor(() => expect(subscribersOn(cluster)).toEqual(expected), { timeout: 5_000, interval: 5 });
}

/** Waits (bounded) until the nodes hold `total` subscribers between them. */
async function waitForTotal(cluster: Cluster, total: number): Promise<void> {
  await vi.waitFor(() => expect(subscribersOn(cluster).reduce((sum, count) => sum + count, 0)).toBe(total), {
    timeout: 5_000,
    interval: 5,
  });
}

function subscribeThrough(
  cluster: Cluster,
  headers: Record<string, string> = {},
): Promise<EventStreamReader> {
  return openEventStream(`${cluster.url}/.well-known/mercure?${TOPIC_QUERY}`, { headers });
}

/** Publishes `data` on TOPIC through nginx; resolves the event id the hub answered. */
async function publishThrough(cluster: Cluster, data: string): Promise<string> {
  const token = await legacyToken({ publish: ['*'] });
  const response = await publish(cluster.url, token, [
    ['topic', TOPIC],
    ['data', data],
  ]);
  const body = await response.text();
  expect(response.status, body).toBe(200);
  return body;
}

/**
 * A subscriber that reads nothing until `resume`: node:http stops reading the socket while the
 * response is paused, so the kernel buffers fill and the stream backs up towards the hub.
 */
async function openPausedStream(
  url: string,
): Promise<{ response: IncomingMessage; resume(): Promise<string> }> {
  const response = await new Promise<IncomingMessage>((resolveResponse, reject) => {
    const req = request(url, (res) => {
      res.pause();
      resolveResponse(res);
    });
    req.on('error', reject);
    req.end();
  });
  return {
    response,
    resume() {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      // The proxy may cut the response when its node did (no final chunk): both end it here.
      response.on('error', () => {});
      const ended = new Promise<string>((done) =>
        response.once('close', () => done(Buffer.concat(chunks).toString('utf8'))),
      );
      response.resume();
      return ended;
    },
  };
}

/** The complete events of an event stream's text (an unfinished last one is dropped, as a client would). */
function completeEvents(text: string): { id: string | undefined; data: string }[] {
  const events: { id: string | undefined; data: string }[] = [];
  const parser = createParser({ onEvent: (event) => events.push({ id: event.id, data: event.data }) });
  parser.feed(text);
  return events;
}

const idsAndData = (events: { id: string | undefined; data: string }[]) =>
  events.map((event) => [event.id, event.data]);

describe('the shipped nginx configuration (deploy/nginx/herald.conf)', () => {
  it('is found: nginx is installed', () => {
    expect(nginx, NGINX_MISSING).toBeDefined();
  });

  it('allows the bodies the hub allows, and outlasts its heartbeat and its longest long poll', () => {
    const config = readFileSync(SHIPPED_CONFIG, 'utf8');
    expect(sizeBytes(directive(config, 'client_max_body_size'))).toBe(defaultHttpOptions.maxBodyBytes);
    expect(sizeBytes(directive(config, 'client_body_buffer_size'))).toBe(defaultHttpOptions.maxBodyBytes);
    const readTimeoutMs = durationMs(directive(config, 'proxy_read_timeout'));
    expect(readTimeoutMs).toBeGreaterThan(defaultHttpOptions.heartbeatMs);
    expect(readTimeoutMs).toBeGreaterThan(defaultHttpOptions.maxLongPollTimeoutMs);
    for (const [name, value] of [
      ['proxy_buffering', 'off'],
      ['proxy_cache', 'off'],
      ['proxy_http_version', '1.1'],
      ['proxy_set_header Connection', '""'],
    ]) {
      expect(directive(config, name!), name).toBe(value);
    }
  });

  for (const sendsAccelBuffering of [true, false]) {
    const how = sendsAccelBuffering ? 'with the hub’s X-Accel-Buffering: no' : 'without X-Accel-Buffering';
    it(`streams each event as it is published, unbuffered (${how})`, async () => {
      const cluster = await startCluster({ sendsAccelBuffering });
      const stream = await subscribeThrough(cluster);
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      // nginx reads X-Accel-Buffering and never passes it on.
      expect(stream.response.headers.get('x-accel-buffering')).toBeNull();
      await waitForTotal(cluster, 1);
      const streamed = cluster.nodes
        .flatMap((node) => node.seen)
        .find((request) => request.method === 'GET' && request.responseHeaders !== undefined);
      expect(streamed?.responseHeaders?.['x-accel-buffering']).toBe(sendsAccelBuffering ? 'no' : undefined);

      // Each event arrives while the response is open, before the next one is even published.
      // (nginx's buffering would not delay them to a client that keeps up; what it would hide from
      // the hub is a slow client's backlog: see the slow subscriber below.)
      const published: string[] = [];
      for (const data of ['one', 'two', 'three']) {
        published.push(await publishThrough(cluster, data));
        const events = await stream.waitFor(published.length, PROMPT_MS);
        expect(events.at(-1)).toEqual({ id: published.at(-1), event: undefined, data });
      }
      expect(idsAndData(stream.events)).toEqual([
        [published[0], 'one'],
        [published[1], 'two'],
        [published[2], 'three'],
      ]);

      // And between events, the heartbeat comment.
      const heartbeatsBefore = stream.comments.filter((comment) => comment.trim() === 'heartbeat').length;
      await vi.waitFor(
        () =>
          expect(stream.comments.filter((comment) => comment.trim() === 'heartbeat').length).toBeGreaterThan(
            heartbeatsBefore,
          ),
        { timeout: 20 * HEARTBEAT_MS, interval: 10 },
      );
      stream.close();
    });
  }

  it('replays exactly the missed events on a reconnection with Last-Event-ID, on either node', async () => {
    const cluster = await startCluster();
    const stream = await subscribeThrough(cluster);
    await waitForTotal(cluster, 1);
    const first = await publishThrough(cluster, 'one');
    await stream.waitFor(1, PROMPT_MS);
    stream.close();
    await waitForTotal(cluster, 0);

    // Published while the subscriber was away, through nginx, so through either node.
    const missed = [await publishThrough(cluster, 'two'), await publishThrough(cluster, 'three')];

    // Two reconnections at once: round robin puts one on each node, so whichever node the first
    // stream was on, one of them resumes on the other.
    const resumed = [
      await subscribeThrough(cluster, { 'last-event-id': first }),
      await subscribeThrough(cluster, { 'last-event-id': first }),
    ];
    await waitForSubscribers(cluster, [1, 1]);
    for (const replay of resumed) {
      expect(idsAndData(await replay.waitFor(2, PROMPT_MS))).toEqual([
        [missed[0], 'two'],
        [missed[1], 'three'],
      ]);
    }
    // Exactly those: the next event published is the next one each stream gets.
    const next = await publishThrough(cluster, 'four');
    for (const replay of resumed) {
      expect(idsAndData(await replay.waitFor(3, PROMPT_MS))).toEqual([
        [missed[0], 'two'],
        [missed[1], 'three'],
        [next, 'four'],
      ]);
      replay.close();
    }
  });

  it('a node stops: its stream ends with a retry hint, and the reconnection reaches the other node and misses nothing', async () => {
    const cluster = await startCluster();
    const stream = await subscribeThrough(cluster);
    await waitForTotal(cluster, 1);
    const first = await publishThrough(cluster, 'one');
    await stream.waitFor(1, PROMPT_MS);
    const [dying, surviving] = subscribersOn(cluster)[0] === 1 ? cluster.nodes : [...cluster.nodes].reverse();

    await dying!.close();
    await within(stream.ended, PROMPT_MS, 'the stream of the stopped node ending through nginx');
    expect(stream.retries).toEqual([defaultHttpOptions.shutdownRetryMs]);

    // nginx finds the stopped node refusing connections and takes the other one, POST included
    // (it never reached the stopped node).
    const missed = await publishThrough(cluster, 'two');
    const resumed = await subscribeThrough(cluster, { 'last-event-id': first });
    expect(resumed.response.status).toBe(200);
    expect(idsAndData(await resumed.waitFor(1, PROMPT_MS))).toEqual([[missed, 'two']]);
    expect(surviving!.herald.hub.subscribers.size).toBe(1);
    resumed.close();
  });

  it('lets the hub disconnect a subscriber too slow for its queue bound, which then catches up from history', async () => {
    // The hub's own header would turn nginx's buffering off by itself: the configuration must.
    const maxQueueBytes = 64 * 1024;
    const cluster = await startCluster({ sendsAccelBuffering: false, maxQueueBytes });
    const slow = await openPausedStream(`${cluster.url}/.well-known/mercure?${TOPIC_QUERY}`);
    expect(slow.response.statusCode).toBe(200);
    await waitForTotal(cluster, 1);

    // Published until the hub gives up on the subscriber. Unbuffered, the backlog backs up through
    // nginx to the hub within the kernel's socket buffers; a buffering nginx would take it all
    // (memory, then temp files up to 1 GiB), and the hub would never know the client is behind.
    const data = 'x'.repeat(maxQueueBytes / 2);
    const capBytes = 64 * 1024 * 1024;
    const published: string[] = [];
    while (subscribersOn(cluster).some((count) => count > 0)) {
      expect(published.length * data.length, 'the slow subscriber was never disconnected').toBeLessThan(
        capBytes,
      );
      published.push(await publishThrough(cluster, data));
    }

    // What reached the client before the cut, then the rest from history, from its last event's id
    // (before any event: the cursor the hub named in its response, as herald/client adopts it).
    const received = completeEvents(await within(slow.resume(), 10_000, 'the slow stream ending'));
    const lastId = received.at(-1)?.id ?? String(slow.response.headers['last-event-id']);
    const caughtUp = await subscribeThrough(cluster, { 'last-event-id': lastId });
    const rest = await caughtUp.waitFor(published.length - received.length, 10_000);
    expect([...received, ...rest].map((event) => event.id)).toEqual(published);
    caughtUp.close();
  });

  it('tells the nodes who the client is, over HTTP/1.1 without a Connection header', async () => {
    const cluster = await startCluster();
    const token = await legacyToken({ publish: ['*'] });
    const response = await publish(cluster.url, token, [['topic', TOPIC]], {
      'x-forwarded-for': '203.0.113.7',
      forwarded: 'for=203.0.113.7',
    });
    expect(response.status).toBe(200);
    const posted = cluster.nodes.flatMap((node) => node.seen).find((seen) => seen.method === 'POST');
    expect(posted?.httpVersion).toBe('1.1');
    expect(posted?.headers.connection).toBeUndefined();
    expect(posted?.headers.host).toBe('127.0.0.1');
    expect(posted?.headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
    expect(posted?.headers['x-forwarded-proto']).toBe('http');
    expect(posted?.headers.forwarded).toBe('for=203.0.113.7, for=127.0.0.1;proto=http;host="127.0.0.1"');

    const stream = await subscribeThrough(cluster);
    await waitForTotal(cluster, 1);
    const subscribe = cluster.nodes.flatMap((node) => node.seen).find((seen) => seen.method === 'GET');
    expect(subscribe?.headers.forwarded).toBe('for=127.0.0.1;proto=http;host="127.0.0.1"');
    expect(subscribe?.headers['x-forwarded-for']).toBe('127.0.0.1');
    stream.close();
  });

  it('passes a publish body of exactly the hub’s limit, and answers 413 to one byte more', async () => {
    const cluster = await startCluster();
    const token = await legacyToken({ publish: ['*'] });
    const prefix = `topic=${encodeURIComponent('https://example.com/large')}&data=`;
    const bodyOf = (bytes: number) => prefix + 'a'.repeat(bytes - prefix.length);
    const post = (body: string) =>
      fetch(`${cluster.url}/.well-known/mercure`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` },
        body,
      });
    const limit = defaultHttpOptions.maxBodyBytes;
    const accepted = await post(bodyOf(limit));
    expect(accepted.status, await accepted.text()).toBe(200);
    const refused = await post(bodyOf(limit + 1));
    await refused.arrayBuffer();
    expect(refused.status).toBe(413);
  });

  it('serves QUERY subscriptions (parameters in the body) as streams too', async () => {
    const cluster = await startCluster();
    const stream = await openEventStream(`${cluster.url}/.well-known/mercure`, {
      method: 'QUERY',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: TOPIC_QUERY,
    });
    expect(stream.response.status).toBe(200);
    await waitForTotal(cluster, 1);
    const id = await publishThrough(cluster, 'queried');
    expect(idsAndData(await stream.waitFor(1, PROMPT_MS))).toEqual([[id, 'queried']]);
    stream.close();
  });
});

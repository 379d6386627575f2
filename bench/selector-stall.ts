/**
 * Selector stall: how long does a publish to a new topic hold the event loop when one address
 * opens the worst template selectors the limits allow? (Issue 15: 250 anonymous connections × 32
 * `https://ex.com/{a}{a}…{a}Z` templates blocked every stream for 150–230 ms per publish to a new
 * ~100-character topic, ~44 s on a 1,000-character one.)
 *
 * The real Hub (memory store, local broker) with `--subscribers` (250) subscribers × `--selectors`
 * (32) distinct selectors each, per shape:
 * - `exact`: exact topics, the baseline;
 * - `adjacent`: the issue's `https://ex.com/{vN}{a}{a}…{a}Z{a}`, 1,024 characters;
 * - `separated`: `https://ex.com/{vN}-{a}-{a}…-{a}`, as many expressions as the hub accepts
 *   (a literal between expressions that the expressions can also match: every one stays live);
 * - `literal`: `https://ex.com/{vN}aaaa…a{a}`, a long literal between two expressions.
 * Each shape publishes `--publishes` (5) events to new topics of 100 and 1,000 characters (random
 * unreserved characters, no `Z`: no template matches, so every match runs to the end), and prints
 * per publish the longest event-loop block (the longest gap in a chain of `setImmediate`), the
 * CPU time the process used within its longest block (on a busy machine the wall time also counts
 * waiting for a core), and the time until the event reached a `*` probe subscriber (the end of its fan-out), p50 and max, with the ratio to
 * the baseline. A template the hub refuses is reported as refused, with the error code.
 *
 *   npx tsx bench/selector-stall.ts [--subscribers 250] [--selectors 32] [--publishes 5]
 *                                   [--lengths 100,1000] [--shapes exact,adjacent,separated,literal]
 */
import { parseArgs } from 'node:util';
import { Hub } from '../src/hub/hub.js';
import { compileSelector, type Selector } from '../src/hub/selector.js';
import { openStore } from '../src/store/open.js';
import { machineLine, markdownTable } from './support/markdown-table.js';
import { ms, ratio, spreadOf } from './support/stats.js';

const { values: flags } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '250' },
    selectors: { type: 'string', default: '32' },
    publishes: { type: 'string', default: '5' },
    lengths: { type: 'string', default: '100,1000' },
    shapes: { type: 'string', default: 'exact,adjacent,separated,literal' },
  },
});
const SUBSCRIBERS = Number(flags.subscribers);
const SELECTORS = Number(flags.selectors);
const PUBLISHES = Number(flags.publishes);
const LENGTHS = flags.lengths.split(',').map(Number);
const SHAPES = flags.shapes.split(',');
const PREFIX = 'https://ex.com/';
const MAX_CHARS = 1024;

/**
 * The `n`-th distinct selector of a shape (the variable name makes it distinct). Each ends with an
 * expression, so no literal suffix rejects a topic before the middle is matched.
 */
function rawSelector(shape: string, n: number, expressions: number): string {
  const first = `{v${n}}`;
  if (shape === 'exact') return `${PREFIX}exact/${n}`;
  if (shape === 'adjacent') {
    const room = MAX_CHARS - PREFIX.length - first.length - 4;
    return `${PREFIX}${first}${'{a}'.repeat(Math.floor(room / 3))}Z{a}`;
  }
  if (shape === 'separated') return `${PREFIX}${first}${'-{a}'.repeat(expressions - 1)}`;
  if (shape === 'literal') {
    return `${PREFIX}${first}${'a'.repeat(MAX_CHARS - PREFIX.length - first.length - 3)}{a}`;
  }
  throw new Error(`unknown shape ${shape}`);
}

/** The most expressions the hub accepts in a `separated` template (or that fit in 1,024 characters). */
function separatedExpressions(): number {
  let expressions = Math.floor((MAX_CHARS - PREFIX.length - 10) / 4);
  for (; expressions > 1; expressions--) {
    try {
      compileSelector('template', rawSelector('separated', 0, expressions));
      return expressions;
    } catch {}
  }
  return 1;
}

function compileAll(shape: string, expressions: number): Selector[][] | string {
  const all: Selector[][] = [];
  try {
    for (let s = 0; s < SUBSCRIBERS; s++) {
      const selectors: Selector[] = [];
      for (let k = 0; k < SELECTORS; k++) {
        const kind = shape === 'exact' ? 'exact' : 'template';
        selectors.push(compileSelector(kind, rawSelector(shape, s * SELECTORS + k, expressions)));
      }
      all.push(selectors);
    }
  } catch (error) {
    return `refused (${(error as { code?: string }).code ?? String(error)})`;
  }
  return all;
}

const UNRESERVED = 'abcdefghijklmnopqrstuvwxyz0123456789-._~';
let topicSerial = 0;

/** A topic never published before: the prefix, a serial, then random unreserved characters. */
function newTopic(length: number): string {
  let rest = `${(topicSerial++).toString(36)}-`;
  while (PREFIX.length + rest.length < length) {
    rest += UNRESERVED[Math.floor(Math.random() * UNRESERVED.length)];
  }
  return PREFIX + rest;
}

/**
 * The longest time the event loop went without running a `setImmediate` callback: a chain of them
 * runs once per loop iteration, so the longest gap between two is the longest synchronous block.
 */
function startTicker(): { reset(): void; stop(): { wallMs: number; cpuMs: number } } {
  const cpuMsNow = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  let last = performance.now();
  let lastCpu = cpuMsNow();
  let maxGapMs = 0;
  let maxCpuMs = 0;
  let isRunning = true;
  const tick = () => {
    const now = performance.now();
    const cpu = cpuMsNow();
    maxGapMs = Math.max(maxGapMs, now - last);
    maxCpuMs = Math.max(maxCpuMs, cpu - lastCpu);
    last = now;
    lastCpu = cpu;
    if (isRunning) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    reset() {
      maxGapMs = 0;
      maxCpuMs = 0;
    },
    stop() {
      isRunning = false;
      tick();
      return { wallMs: maxGapMs, cpuMs: maxCpuMs };
    },
  };
}

interface Row {
  shape: string;
  length: number;
  result: string | { blockMs: number[]; blockCpuMs: number[]; deliveredMs: number[] };
}

async function measure(shape: string, expressions: number): Promise<Row[]> {
  const selectors = compileAll(shape, expressions);
  if (typeof selectors === 'string') return LENGTHS.map((length) => ({ shape, length, result: selectors }));
  const { store, broker } = await openStore('memory', { retention: { maxEvents: 10_000 } });
  const hub = new Hub({ store, broker, pruneIntervalMs: 0 });
  await hub.start();
  const sink = { deliver: () => {}, close: () => {} };
  for (const list of selectors) {
    const open = await hub.openSubscription({
      selectors: list,
      canReceivePrivate: () => false,
      sink,
      transport: 'bench',
    });
    await open.replay();
  }
  let onProbe: () => void = () => {};
  const probe = await hub.openSubscription({
    selectors: [compileSelector('exact', '*')],
    canReceivePrivate: () => false,
    sink: { deliver: () => onProbe(), close: () => {} },
    transport: 'bench',
  });
  await probe.replay();
  const rows: Row[] = [];
  for (const length of LENGTHS) {
    const blockMs: number[] = [];
    const blockCpuMs: number[] = [];
    const deliveredMs: number[] = [];
    for (let p = 0; p < PUBLISHES; p++) {
      const topic = newTopic(length);
      const ticker = startTicker();
      await new Promise((resolve) => setTimeout(resolve, 5));
      ticker.reset();
      const start = performance.now();
      const delivered = new Promise<void>((resolve) => {
        onProbe = resolve;
      });
      await hub.publish({ topics: [topic], data: 'x' });
      await delivered;
      deliveredMs.push(performance.now() - start);
      // One more turn after the fan-out, so the ticker sees the last block.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const block = ticker.stop();
      blockMs.push(block.wallMs);
      blockCpuMs.push(block.cpuMs);
    }
    rows.push({ shape, length, result: { blockMs, blockCpuMs, deliveredMs } });
  }
  await hub.close();
  return rows;
}

const expressions = separatedExpressions();
console.log(
  `${SUBSCRIBERS} subscribers × ${SELECTORS} distinct selectors, ${PUBLISHES} publishes per topic length; ` +
    `separated templates have ${expressions} expressions`,
);
console.log(machineLine());
const rows: Row[] = [];
for (const shape of SHAPES) rows.push(...(await measure(shape, expressions)));

const baseline = new Map<number, number>();
for (const row of rows) {
  if (row.shape === 'exact' && typeof row.result !== 'string') {
    baseline.set(row.length, spreadOf(row.result.blockMs).max);
  }
}
console.log(
  markdownTable(
    [
      'selectors',
      'topic chars',
      'loop block p50 ms',
      'loop block max ms',
      'vs exact',
      'CPU in block max ms',
      'delivered p50 ms',
      'delivered max ms',
    ],
    rows.map(({ shape, length, result }) => {
      if (typeof result === 'string') return [shape, String(length), result, '', '', '', '', ''];
      const block = spreadOf(result.blockMs);
      const delivered = spreadOf(result.deliveredMs);
      return [
        shape,
        String(length),
        ms(block.p50),
        ms(block.max),
        ratio(block.max, baseline.get(length) ?? Number.NaN),
        ms(spreadOf(result.blockCpuMs).max),
        ms(delivered.p50),
        ms(delivered.max),
      ];
    }),
  ),
);

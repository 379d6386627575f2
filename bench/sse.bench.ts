/**
 * Wire-format benchmark: our parser against eventsource-parser@3 and our encoder against a naive
 * template-string encoder and better-sse's EventBuffer, on the same inputs in the same process.
 *
 * Run: npx tsx bench/sse.bench.ts   (ROUNDS=n to change the number of measured rounds)
 *
 * Each case is warmed up, then measured over several rounds with the contenders interleaved (so
 * that drift of a shared machine hits both alike) and timed in CPU time, each sample lasting at
 * least MIN_SAMPLE_MS (fast cases are run several times per sample). Rates are medians over
 * rounds; the ratio is the median of the per-round ratios (ours/theirs > 1: ours is faster).
 */
import { createEventBuffer } from 'better-sse';
import { createParser } from 'eventsource-parser';
import { EventStreamParser, encodeEvent, type SseEvent } from '../src/sse/index.js';

const WARMUP_ROUNDS = 2;
/**
 * Shortest timed sample, in ms of CPU time: a faster contender is run several times per sample.
 * One run of a fast case takes a few ms, so one garbage collection (of another contender's large
 * strings, often) landing in it could swing that round's ratio by 30% and the median with it.
 */
const MIN_SAMPLE_MS = 30;
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const STREAM_SIZE_BYTES = 8 * 1024 * 1024;

// ---- inputs ---------------------------------------------------------------------------------

function smallJsonEvent(index: number): string {
  const payload = JSON.stringify({
    topic: `https://example.com/books/${index % 97}`,
    price: (index * 7) % 1000,
    title: 'Les Misérables',
  });
  return `id: ${index}\nevent: update\ndata: ${payload}\n\n`;
}

function multiLineEvent(index: number): string {
  let out = `id: ${index}\n`;
  for (let line = 0; line < 12; line += 1) out += `data: line ${line} of event ${index}, some text here\n`;
  return `${out}\n`;
}

function largeEvent(index: number): string {
  return `id: ${index}\ndata: ${'x'.repeat(256 * 1024)}\n\n`;
}

function streamOf(makeEvent: (index: number) => string): { text: string; events: number } {
  const parts: string[] = [];
  let length = 0;
  let events = 0;
  while (length < STREAM_SIZE_BYTES) {
    const event = makeEvent(events);
    parts.push(event);
    length += event.length;
    events += 1;
  }
  return { text: parts.join(''), events };
}

/**
 * String chunks as a real stream delivers them: each a flat string of its own (what
 * `TextDecoder.decode` returns). A plain `slice` would give V8 "sliced strings", views into the one
 * big input that cost an extra indirection on every read; no network stream produces those, and
 * they would make the benchmark measure V8's string layout instead of the parsers. The JSON round
 * trip copies a string exactly (lone surrogates included) into a flat one.
 */
function chunkText(text: string, chunkSize: number): string[] {
  const chunks: string[] = [];
  for (let start = 0; start < text.length; start += chunkSize) {
    chunks.push(JSON.parse(JSON.stringify(text.slice(start, start + chunkSize))) as string);
  }
  return chunks;
}

function chunkBytes(bytes: Uint8Array, chunkSize: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; start += chunkSize) {
    chunks.push(bytes.subarray(start, start + chunkSize));
  }
  return chunks;
}

// ---- contenders -------------------------------------------------------------------------------

let sink = 0;

function parseOurs(chunks: ReadonlyArray<string | Uint8Array>): number {
  let count = 0;
  const parser = new EventStreamParser({
    onEvent: (event) => {
      count += 1;
      sink += event.data.length;
    },
  });
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return count;
}

function parseTheirs(chunks: readonly string[]): number {
  let count = 0;
  const parser = createParser({
    onEvent: (event) => {
      count += 1;
      sink += event.data.length;
    },
  });
  for (const chunk of chunks) parser.feed(chunk);
  return count;
}

/** eventsource-parser takes strings only: bytes go through a streaming TextDecoder first. */
function parseTheirsBytes(chunks: readonly Uint8Array[]): number {
  const decoder = new TextDecoder();
  let count = 0;
  const parser = createParser({
    onEvent: (event) => {
      count += 1;
      sink += event.data.length;
    },
  });
  for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }));
  return count;
}

const textEncoder = new TextEncoder();

/** What a hand-written server typically does: no validation, one template, one encode. */
function encodeNaive(event: SseEvent): Uint8Array {
  const data = event.data.split(/\r\n|\r|\n/).join('\ndata: ');
  return textEncoder.encode(`event: ${event.event}\nid: ${event.id}\ndata: ${data}\n\n`);
}

const betterSseBuffer = createEventBuffer({ serializer: (data) => String(data) });
function encodeBetterSse(event: SseEvent): Uint8Array {
  betterSseBuffer
    .clear()
    .event(event.event ?? 'message')
    .id(event.id)
    .data(event.data)
    .dispatch();
  return textEncoder.encode(betterSseBuffer.read());
}

// ---- measuring --------------------------------------------------------------------------------

/**
 * CPU time of this process (user + system, all its threads, so GC helpers count), in ms. On a
 * shared machine wall time mostly measures the neighbours; CPU time measures the work.
 */
function timeMs(run: () => unknown): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * Runs the contenders interleaved, round after round, and returns each one's time per round in ms.
 * Ratios are taken per round and then the median: on a shared machine a slow round slows both.
 */
function race(contenders: Array<() => unknown>): number[][] {
  const times: number[][] = contenders.map(() => []);
  // The same number of runs per sample for every contender, so that paired samples compare alike.
  const onceMs = Math.max(timeMs(contenders[0] ?? (() => undefined)), 0.01);
  const runsPerSample = Math.max(1, Math.ceil(MIN_SAMPLE_MS / onceMs));
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round += 1) {
    // Alternate the order, so that garbage one contender leaves behind is not always collected
    // during the same other contender's turn.
    const order = contenders.map((_, index) => index);
    if (round % 2 === 1) order.reverse();
    for (const index of order) {
      const run = contenders[index] ?? (() => undefined);
      const elapsedMs = timeMs(() => {
        for (let repeat = 0; repeat < runsPerSample; repeat += 1) run();
      });
      if (round >= WARMUP_ROUNDS) times[index]?.push(elapsedMs / runsPerSample);
    }
  }
  return times;
}

/** Median over rounds of (their time / our time): above 1 means we are faster. */
function pairedSpeedup(oursMs: number[], theirsMs: number[]): number {
  return median(oursMs.map((ours, round) => (theirsMs[round] ?? Number.NaN) / ours));
}

interface Row {
  case: string;
  ours: string;
  theirs: string;
  'ours/theirs': string;
}

function parserRows(): Row[] {
  const streams = {
    'small JSON events': streamOf(smallJsonEvent),
    'small JSON events, CRLF': streamOf((index) => smallJsonEvent(index).replaceAll('\n', '\r\n')),
    'multi-line data': streamOf(multiLineEvent),
    'large events (256 KiB)': streamOf(largeEvent),
  };
  const rows: Row[] = [];
  for (const [name, stream] of Object.entries(streams)) {
    const bytes = textEncoder.encode(stream.text);
    const megabytes = bytes.length / (1024 * 1024);
    for (const chunkSize of [1024, 64 * 1024]) {
      const label = `${name}, ${chunkSize / 1024} KiB chunks`;
      const textChunks = chunkText(stream.text, chunkSize);
      const byteChunks = chunkBytes(bytes, chunkSize);
      if (parseOurs(textChunks) !== stream.events || parseTheirs(textChunks) !== stream.events) {
        throw new Error(`${label}: a parser lost events`);
      }
      const [oursText = [], theirsText = [], oursBytes = [], theirsBytes = []] = race([
        () => parseOurs(textChunks),
        () => parseTheirs(textChunks),
        () => parseOurs(byteChunks),
        () => parseTheirsBytes(byteChunks),
      ]);
      rows.push(throughputRow(`${label}, strings`, megabytes, oursText, theirsText));
      rows.push(throughputRow(`${label}, bytes`, megabytes, oursBytes, theirsBytes));
    }
  }
  return rows;
}

function throughputRow(label: string, megabytes: number, oursMs: number[], theirsMs: number[]): Row {
  const ours = megabytes / (median(oursMs) / 1000);
  const theirs = megabytes / (median(theirsMs) / 1000);
  return {
    case: label,
    ours: `${ours.toFixed(0)} MB/s`,
    theirs: `${theirs.toFixed(0)} MB/s`,
    'ours/theirs': pairedSpeedup(oursMs, theirsMs).toFixed(2),
  };
}

function encoderRows(): Row[] {
  const shapes: Record<string, (index: number) => SseEvent> = {
    'small JSON event': (index) => ({
      id: String(index),
      event: 'update',
      data: JSON.stringify({ topic: `https://example.com/books/${index}`, price: index % 1000 }),
    }),
    'multi-line data (12 lines)': (index) => ({
      id: String(index),
      event: 'update',
      data: Array.from({ length: 12 }, (_, line) => `line ${line} of event ${index}`).join('\n'),
    }),
    'large event (64 KiB)': (index) => ({ id: String(index), event: 'blob', data: 'y'.repeat(64 * 1024) }),
  };
  const rows: Row[] = [];
  for (const [name, make] of Object.entries(shapes)) {
    const count = name.startsWith('large') ? 2_000 : 50_000;
    const events = Array.from({ length: count }, (_, index) => make(index));
    const encodeAll = (encode: (event: SseEvent) => Uint8Array) => () => {
      for (const event of events) sink += encode(event).length;
    };
    const [oursMs = [], naiveMs = [], betterSseMs = []] = race([
      encodeAll(encodeEvent),
      encodeAll(encodeNaive),
      encodeAll(encodeBetterSse),
    ]);
    rows.push(rateRow(`${name} vs naive template`, count, oursMs, naiveMs));
    rows.push(rateRow(`${name} vs better-sse EventBuffer`, count, oursMs, betterSseMs));
  }
  return rows;
}

function rateRow(label: string, count: number, oursMs: number[], theirsMs: number[]): Row {
  const ours = count / (median(oursMs) / 1000);
  const theirs = count / (median(theirsMs) / 1000);
  return {
    case: label,
    ours: `${(ours / 1000).toFixed(0)}k ev/s`,
    theirs: `${(theirs / 1000).toFixed(0)}k ev/s`,
    'ours/theirs': pairedSpeedup(oursMs, theirsMs).toFixed(2),
  };
}

console.log(
  `Node ${process.version}, CPU time, ${ROUNDS} rounds after ${WARMUP_ROUNDS} warm-up; medians, paired ratios\n`,
);
console.log('Parser throughput, herald/sse EventStreamParser vs eventsource-parser createParser');
console.table(parserRows());
console.log('Encoder rate, herald/sse encodeEvent (validating) vs baselines');
console.table(encoderRows());
if (sink === -1) console.log('unreachable; keeps results alive');

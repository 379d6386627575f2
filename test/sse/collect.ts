import { EventStreamParser, type ParsedEvent, type ParserOptions } from '../../src/sse/index.js';

/** Everything a parser reported, in one place for `toEqual`. */
export interface Collected {
  events: ParsedEvent[];
  retries: number[];
  comments: string[];
  lastEventIdAtEnd: string;
}

type Limits = Pick<ParserOptions, 'maxLineLength' | 'maxEventSize'>;

/** Feeds `chunks` in order, then ends the stream, and returns what the parser reported. */
export function parseChunks(chunks: Iterable<string | Uint8Array>, limits: Limits = {}): Collected {
  const collected: Collected = { events: [], retries: [], comments: [], lastEventIdAtEnd: '' };
  const parser = new EventStreamParser({
    ...limits,
    onEvent: (event) => collected.events.push(event),
    onRetry: (retryMs) => collected.retries.push(retryMs),
    onComment: (text) => collected.comments.push(text),
  });
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  collected.lastEventIdAtEnd = parser.lastEventId;
  return collected;
}

const utf8 = new TextEncoder();

export function toBytes(input: string | Uint8Array): Uint8Array {
  return typeof input === 'string' ? utf8.encode(input) : input;
}

/** The input as one byte per chunk. */
export function byteByByte(input: string | Uint8Array): Uint8Array[] {
  const bytes = toBytes(input);
  return Array.from(bytes, (_, index) => bytes.subarray(index, index + 1));
}

/**
 * Cuts `bytes` at the given positions (each taken modulo length + 1, duplicates ignored), so a
 * property test can draw arbitrary numbers and still get valid cut points, empty chunks included.
 */
export function cutAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const positions = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const position of positions) {
    chunks.push(bytes.subarray(start, position));
    start = position;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

/** Every way to cut the input once: [head, tail] for each position, as bytes and (for strings) as text. */
export function* everySingleCut(
  input: string | Uint8Array,
): Generator<[string | Uint8Array, string | Uint8Array]> {
  const bytes = toBytes(input);
  for (let at = 0; at <= bytes.length; at += 1) yield [bytes.subarray(0, at), bytes.subarray(at)];
  if (typeof input === 'string') {
    for (let at = 0; at <= input.length; at += 1) yield [input.slice(0, at), input.slice(at)];
  }
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParsedEvent } from '../../src/sse/index.js';
import { type Collected, cutAt, parseChunks, toBytes } from './collect.js';

/**
 * A deliberately plain reading of the standard, for whole inputs only: split into lines with a
 * regular expression, then interpret each line. The streaming parser must agree with it however
 * the input is cut.
 */
function referenceParse(text: string): Collected {
  const result: Collected = { events: [], retries: [], comments: [], lastEventIdAtEnd: '' };
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split(/\r\n|\r|\n/);
  lines.pop(); // the text after the last line ending is an unfinished line: discarded at the end
  let data: string | undefined;
  let type = '';
  let idBuffer = '';
  for (const line of lines) {
    if (line === '') {
      result.lastEventIdAtEnd = idBuffer;
      if (data !== undefined) {
        const event: ParsedEvent = { type: type === '' ? 'message' : type, data, lastEventId: idBuffer };
        result.events.push(event);
      }
      data = undefined;
      type = '';
      continue;
    }
    if (line.startsWith(':')) {
      result.comments.push(line.slice(1));
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') data = data === undefined ? value : `${data}\n${value}`;
    else if (name === 'event') type = value;
    else if (name === 'id' && !value.includes('\0')) idBuffer = value;
    else if (name === 'retry' && /^[0-9]+$/.test(value)) result.retries.push(Number.parseInt(value, 10));
  }
  return result;
}

/** Streams made of the pieces that matter to a parser, in any order. */
const token = fc.constantFrom(
  'data',
  'event',
  'id',
  'retry',
  'Data',
  ':',
  ' ',
  '  ',
  '\r',
  '\n',
  '\r\n',
  '\n\n',
  'x',
  '42',
  'é',
  '😀',
  '\0',
  '\uFEFF',
  'data: ',
  'id: ',
);
const stream = fc.array(token, { maxLength: 60 }).map((tokens) => tokens.join(''));

describe('the streaming parser against a plain reading of the standard', () => {
  it('agrees on any stream fed whole as text', () => {
    fc.assert(
      fc.property(stream, (text) => {
        expect(parseChunks([text])).toEqual(referenceParse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees on any stream cut into byte chunks anywhere', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 20 }), (text, cuts) => {
        expect(parseChunks(cutAt(toBytes(text), cuts))).toEqual(referenceParse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees on any stream cut into text chunks anywhere', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 20 }), (text, cuts) => {
        const positions = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...positions].map((start, index) =>
          text.slice(start, positions[index] ?? text.length),
        );
        expect(parseChunks(chunks)).toEqual(referenceParse(text));
      }),
      { numRuns: 1000 },
    );
  });
});

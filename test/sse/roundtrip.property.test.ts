import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodedEventLength, encodeEvent, type ParsedEvent, type SseEvent } from '../../src/sse/index.js';
import { cutAt, parseChunks } from './collect.js';

const lineBreak = fc.constantFrom('\r', '\n', '\r\n');
const anyText = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary-ascii' }),
);
/** Text with line breaks anywhere, including at both ends and several in a row. */
const multiLineText = fc.array(fc.oneof(anyText, lineBreak), { maxLength: 8 }).map((parts) => parts.join(''));
const singleLine = anyText.map((value) => value.replace(/[\r\n]/g, ''));
const eventArbitrary: fc.Arbitrary<SseEvent> = fc.record(
  {
    data: multiLineText,
    event: singleLine,
    id: singleLine.map((value) => value.replaceAll('\0', '')),
    retry: fc.nat(),
    comment: multiLineText,
  },
  { requiredKeys: ['data'] },
);

/** What a conforming parser must report for `events` sent in order. */
function expectedFor(events: SseEvent[]) {
  let lastEventId = '';
  const parsed: ParsedEvent[] = [];
  const retries: number[] = [];
  for (const event of events) {
    if (event.id !== undefined) lastEventId = event.id;
    if (event.retry !== undefined) retries.push(event.retry);
    parsed.push({
      type: event.event === undefined || event.event === '' ? 'message' : event.event,
      data: event.data.replace(/\r\n|\r/g, '\n'),
      lastEventId,
    });
  }
  return { events: parsed, retries, lastEventIdAtEnd: lastEventId };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

describe('encodedEventLength', () => {
  it('is the byte length encodeEvent returns, for any valid event', () => {
    fc.assert(
      fc.property(eventArbitrary, (event) => {
        const ok = [event.data, event.event ?? '', event.id ?? '', event.comment ?? ''].every((text) =>
          text.isWellFormed(),
        );
        fc.pre(ok);
        expect(encodedEventLength(event)).toBe(encodeEvent(event).byteLength);
      }),
      { numRuns: 500 },
    );
  });
});

describe('encode then parse', () => {
  it('gives back every event, whatever its text, with the stream cut at random byte positions', () => {
    fc.assert(
      fc.property(
        fc.array(eventArbitrary, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (events, cuts) => {
          const stream = concat(events.map((event) => encodeEvent(event)));
          const { comments: _, ...parsed } = parseChunks(cutAt(stream, cuts));
          expect(parsed).toEqual(expectedFor(events));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('gives back the same events when the stream is fed one byte at a time', () => {
    fc.assert(
      fc.property(fc.array(eventArbitrary, { maxLength: 3 }), (events) => {
        const stream = concat(events.map((event) => encodeEvent(event)));
        const chunks = Array.from(stream, (_, index) => stream.subarray(index, index + 1));
        const { comments: _, ...parsed } = parseChunks(chunks);
        expect(parsed).toEqual(expectedFor(events));
      }),
      { numRuns: 100 },
    );
  });

  it('gives back comments line by line, never as events', () => {
    fc.assert(
      fc.property(multiLineText, (comment) => {
        const parsed = parseChunks([encodeEvent({ data: 'x', comment })]);
        const lines = comment.split(/\r\n|\r|\n/).map((line) => (line === '' ? '' : ` ${line}`));
        expect(parsed.comments).toEqual(lines);
        expect(parsed.events.map((event) => event.data)).toEqual(['x']);
      }),
      { numRuns: 200 },
    );
  });
});

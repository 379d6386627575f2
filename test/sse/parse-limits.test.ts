import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_EVENT_SIZE,
  DEFAULT_MAX_LINE_LENGTH,
  EventStreamParser,
  type ParsedEvent,
  SseError,
} from '../../src/sse/index.js';

function limitedParser(limits: { maxLineLength?: number; maxEventSize?: number }) {
  const events: ParsedEvent[] = [];
  const parser = new EventStreamParser({ ...limits, onEvent: (event) => events.push(event) });
  return { parser, events };
}

/** Feeds chunks until the parser throws; returns the error and how many characters went in. */
function feedUntilThrow(parser: EventStreamParser, chunk: string, maxChunks: number) {
  let fedChars = 0;
  for (let index = 0; index < maxChunks; index += 1) {
    try {
      parser.feed(chunk);
    } catch (error) {
      return { error, fedChars: fedChars + chunk.length };
    }
    fedChars += chunk.length;
  }
  return { error: undefined, fedChars };
}

describe('parser limits', () => {
  it('documents 1 MiB and 8 MiB characters as the default limits', () => {
    expect(DEFAULT_MAX_LINE_LENGTH).toBe(1024 * 1024);
    expect(DEFAULT_MAX_EVENT_SIZE).toBe(8 * 1024 * 1024);
  });

  it('stops an endless line as soon as the buffered part passes maxLineLength', () => {
    const { parser } = limitedParser({ maxLineLength: 64 * 1024 });
    parser.feed('data: ');
    const { error, fedChars } = feedUntilThrow(parser, 'x'.repeat(1024), 10_000);
    expect(error).toBeInstanceOf(SseError);
    expect((error as SseError).code).toBe('SSE_LINE_TOO_LONG');
    // Thrown at the first chunk that crosses the limit: the buffer never held more than that.
    expect(fedChars).toBeLessThanOrEqual(64 * 1024 + 1024);
  });

  it('stops an endless line under the default limit', () => {
    const { parser } = limitedParser({});
    const { error, fedChars } = feedUntilThrow(parser, 'y'.repeat(64 * 1024), 1_000);
    expect((error as SseError).code).toBe('SSE_LINE_TOO_LONG');
    expect(fedChars).toBeLessThanOrEqual(DEFAULT_MAX_LINE_LENGTH + 64 * 1024);
  });

  it('accepts a line of exactly maxLineLength characters, line ending not counted', () => {
    const { parser, events } = limitedParser({ maxLineLength: 10 });
    parser.feed('data:12345\r\n\n');
    parser.feed('data:ab');
    parser.feed('cde\n\n');
    expect(events.map((event) => event.data)).toEqual(['12345', 'abcde']);
  });

  it('rejects a complete line one character too long, in one chunk or in pieces', () => {
    const whole = limitedParser({ maxLineLength: 10 });
    expect(() => whole.parser.feed('data:123456\n')).toThrow(
      expect.objectContaining({ code: 'SSE_LINE_TOO_LONG' }),
    );
    const pieces = limitedParser({ maxLineLength: 10 });
    pieces.parser.feed('data:12345');
    expect(() => pieces.parser.feed('6\n')).toThrow(expect.objectContaining({ code: 'SSE_LINE_TOO_LONG' }));
  });

  it('stops an event of endless data lines once its data passes maxEventSize', () => {
    const { parser, events } = limitedParser({ maxEventSize: 10_000 });
    const { error, fedChars } = feedUntilThrow(parser, 'data: 0123456789\n', 100_000);
    expect((error as SseError).code).toBe('SSE_EVENT_TOO_LARGE');
    expect(fedChars).toBeLessThanOrEqual(20_000);
    expect(events).toEqual([]);
  });

  it('counts the LFs joining data lines towards maxEventSize', () => {
    const { parser, events } = limitedParser({ maxEventSize: 5 });
    parser.feed('data: ab\ndata: cd\n\n');
    expect(events.map((event) => event.data)).toEqual(['ab\ncd']);
    expect(() => parser.feed('data: ab\ndata: cde\n\n')).toThrow(
      expect.objectContaining({ code: 'SSE_EVENT_TOO_LARGE' }),
    );
  });

  it('resets itself after a limit error, forgetting the last event id', () => {
    const { parser, events } = limitedParser({ maxLineLength: 20 });
    parser.feed('id: 1\ndata: a\n\n');
    expect(() => parser.feed(`data: ${'z'.repeat(50)}\n\n`)).toThrow(SseError);
    expect(parser.lastEventId).toBe('');
    parser.feed('data: b\n\n');
    expect(events).toEqual([
      { type: 'message', data: 'a', lastEventId: '1' },
      { type: 'message', data: 'b', lastEventId: '' },
    ]);
  });

  it('dispatches events completed earlier in the chunk that then fails', () => {
    const { parser, events } = limitedParser({ maxLineLength: 20 });
    expect(() => parser.feed(`data: a\n\ndata: ${'z'.repeat(50)}\n\n`)).toThrow(SseError);
    expect(events.map((event) => event.data)).toEqual(['a']);
  });

  it('accepts Infinity to disable a limit and rejects negative or NaN limits', () => {
    expect(() => limitedParser({ maxLineLength: Number.POSITIVE_INFINITY })).not.toThrow();
    expect(() => limitedParser({ maxLineLength: -1 })).toThrow(RangeError);
    expect(() => limitedParser({ maxEventSize: Number.NaN })).toThrow(RangeError);
  });
});

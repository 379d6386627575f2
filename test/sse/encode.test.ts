import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeComment,
  encodeEvent,
  encodeRetry,
  formatEvent,
  SseError,
  type SseErrorCode,
  type SseEvent,
} from '../../src/sse/index.js';
import { parseChunks } from './collect.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectRejected(event: SseEvent, code: SseErrorCode, field: string): void {
  expect(() => formatEvent(event)).toThrow(expect.objectContaining({ name: 'SseError', code, field }));
  expect(() => encodeEvent(event)).toThrow(expect.objectContaining({ code, field }));
}

describe('encodeEvent', () => {
  it('writes comment, event, id, retry and data in that order, then a blank line', () => {
    const bytes = encodeEvent({ data: 'hello', event: 'greeting', id: '7', retry: 1500, comment: 'hi' });
    expect(text(bytes)).toBe(': hi\nevent: greeting\nid: 7\nretry: 1500\ndata: hello\n\n');
  });

  it('writes one data line per line of data, for LF, CR and CRLF', () => {
    expect(formatEvent({ data: 'a\nb\rc\r\nd' })).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  it('writes empty data as one empty data line, which parses to ""', () => {
    expect(formatEvent({ data: '' })).toBe('data: \n\n');
    expect(parseChunks([encodeEvent({ data: '' })]).events).toEqual([
      { type: 'message', data: '', lastEventId: '' },
    ]);
  });

  it('keeps leading spaces and trailing line breaks of data through a parser', () => {
    const data = '  two spaces\n\n trailing LF\n';
    expect(parseChunks([encodeEvent({ data })]).events[0]?.data).toBe(data);
  });

  it('accepts an empty id (it resets the client) and retry 0', () => {
    expect(formatEvent({ data: 'x', id: '', retry: 0 })).toBe('id: \nretry: 0\ndata: x\n\n');
  });

  it.each([
    ['event with LF', { data: 'x', event: 'a\nb' }, 'SSE_INVALID_EVENT', 'event'],
    ['event with CR', { data: 'x', event: 'a\rb' }, 'SSE_INVALID_EVENT', 'event'],
    ['id with LF', { data: 'x', id: '1\n' }, 'SSE_INVALID_ID', 'id'],
    ['id with CR', { data: 'x', id: '\r1' }, 'SSE_INVALID_ID', 'id'],
    ['id with NUL', { data: 'x', id: '1\0' }, 'SSE_INVALID_ID', 'id'],
    ['negative retry', { data: 'x', retry: -1 }, 'SSE_INVALID_RETRY', 'retry'],
    ['fractional retry', { data: 'x', retry: 1.5 }, 'SSE_INVALID_RETRY', 'retry'],
    ['NaN retry', { data: 'x', retry: Number.NaN }, 'SSE_INVALID_RETRY', 'retry'],
    ['infinite retry', { data: 'x', retry: Number.POSITIVE_INFINITY }, 'SSE_INVALID_RETRY', 'retry'],
    ['unsafe integer retry', { data: 'x', retry: 2 ** 53 }, 'SSE_INVALID_RETRY', 'retry'],
    ['lone high surrogate in data', { data: 'a\uD800' }, 'SSE_LONE_SURROGATE', 'data'],
    ['lone low surrogate in data', { data: '\uDC00a' }, 'SSE_LONE_SURROGATE', 'data'],
    ['lone surrogate in event', { data: 'x', event: '\uD83D' }, 'SSE_LONE_SURROGATE', 'event'],
    ['lone surrogate in id', { data: 'x', id: '\uDE00' }, 'SSE_LONE_SURROGATE', 'id'],
    ['lone surrogate in comment', { data: 'x', comment: 'c\uD800' }, 'SSE_LONE_SURROGATE', 'comment'],
    ['data that is not a string', { data: 42 as unknown as string }, 'SSE_INVALID_EVENT', 'data'],
  ] as const)('rejects %s', (_, event, code, field) => {
    expectRejected(event, code, field);
  });

  it('rejects a lone surrogate anywhere in any text field', () => {
    const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
    const withLoneSurrogate = fc
      .tuple(fc.string({ unit: 'binary' }), loneSurrogate, fc.string({ unit: 'binary' }))
      .filter(([before, , after]) => !/[\uD800-\uDFFF]/.test(before.slice(-1) + after.slice(0, 1)))
      .map(([before, lone, after]) => before + lone + after);
    const field = fc.constantFrom('data', 'event', 'id', 'comment');
    fc.assert(
      fc.property(withLoneSurrogate, field, (value, name) => {
        // A plain check: the matcher-based one costs milliseconds per run.
        const error = captureError(() => encodeEvent({ data: 'x', [name]: value }));
        return error instanceof SseError && error.code === 'SSE_LONE_SURROGATE' && error.field === name;
      }),
      { numRuns: 150 },
    );
  });

  it('accepts surrogate pairs in every field', () => {
    const emoji = '😀';
    const event = { data: emoji, event: emoji, id: emoji, comment: emoji };
    expect(parseChunks([encodeEvent(event)]).events).toEqual([
      { type: emoji, data: emoji, lastEventId: emoji },
    ]);
  });

  it('returns nothing when a field checked late is invalid, even after a valid comment and event', () => {
    let result: string | undefined;
    expect(() => {
      result = formatEvent({ comment: 'ok', event: 'ok', id: 'ok', data: 'ok', retry: -5 });
    }).toThrow(expect.objectContaining({ code: 'SSE_INVALID_RETRY' }));
    expect(result).toBeUndefined();
  });
});

describe('encodeComment', () => {
  it('gives every line of a comment its own colon, so a comment can never carry a field', () => {
    const bytes = encodeComment('x\ndata: injected\r\n\rid: 9\revent: evil');
    expect(text(bytes)).toBe(': x\n: data: injected\n:\n: id: 9\n: event: evil\n');
    const parsed = parseChunks([bytes, '\n']);
    expect(parsed.events).toEqual([]);
    expect(parsed.lastEventIdAtEnd).toBe('');
  });

  it('keeps an injected field inside the comment of an event', () => {
    const parsed = parseChunks([encodeEvent({ data: 'real', comment: 'a\n\ndata: fake\n\n' })]);
    expect(parsed.events).toEqual([{ type: 'message', data: 'real', lastEventId: '' }]);
    expect(parsed.comments).toEqual([' a', '', ' data: fake', '', '']);
  });

  it('rejects a lone surrogate', () => {
    expect(() => encodeComment('\uD800')).toThrow(expect.objectContaining({ code: 'SSE_LONE_SURROGATE' }));
  });
});

describe('encodeRetry', () => {
  it('writes a retry line that parsers report and that dispatches nothing', () => {
    expect(text(encodeRetry(2500))).toBe('retry: 2500\n');
    const parsed = parseChunks([encodeRetry(2500), '\n']);
    expect(parsed.retries).toEqual([2500]);
    expect(parsed.events).toEqual([]);
  });

  it('rejects a negative value', () => {
    expect(() => encodeRetry(-1)).toThrow(expect.objectContaining({ code: 'SSE_INVALID_RETRY' }));
  });
});

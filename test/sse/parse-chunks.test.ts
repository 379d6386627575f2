import { describe, expect, it } from 'vitest';
import { EventStreamParser, type ParsedEvent } from '../../src/sse/index.js';
import { byteByByte, everySingleCut, parseChunks } from './collect.js';

const message = (data: string, lastEventId = ''): ParsedEvent => ({ type: 'message', data, lastEventId });
const bytes = (...values: number[]) => new Uint8Array(values);
const utf8 = (text: string) => new TextEncoder().encode(text);

function recordingParser() {
  const events: ParsedEvent[] = [];
  const parser = new EventStreamParser({ onEvent: (event) => events.push(event) });
  return { parser, events };
}

describe('line endings across chunks', () => {
  it('dispatches on a CR that ends a chunk without waiting for the next chunk', () => {
    const { parser, events } = recordingParser();
    parser.feed('data: a\n\r');
    expect(events).toEqual([message('a')]);
  });

  it('swallows the LF that follows a chunk-ending CR, so CR|LF is one line ending', () => {
    // Were the LF a line of its own, it would dispatch "a" alone before "b" arrives.
    expect(parseChunks(['data: a\r', '\ndata: b\n\n']).events).toEqual([message('a\nb')]);
  });

  it('still swallows that LF when empty chunks come in between', () => {
    expect(parseChunks(['data: a\r', '', new Uint8Array(0), '\ndata: b\n\n']).events).toEqual([
      message('a\nb'),
    ]);
  });

  it('swallows only one LF after a CR: CR|LF|LF ends the event', () => {
    expect(parseChunks(['data: a\r', '\n\ndata: b\n\n']).events).toEqual([message('a'), message('b')]);
  });

  it('treats CR CR as two line endings, also across chunks', () => {
    expect(parseChunks(['data: a\r', '\rdata: b\r\r']).events).toEqual([message('a'), message('b')]);
  });

  it('joins one line spread over many chunks', () => {
    const chunks = ['da', 'ta', ':', ' ', ...'x'.repeat(1000), '\n', '\n'];
    expect(parseChunks(chunks).events).toEqual([message('x'.repeat(1000))]);
  });
});

describe('byte order mark', () => {
  it('strips a BOM whose three bytes arrive in three chunks', () => {
    expect(parseChunks([bytes(0xef), bytes(0xbb), bytes(0xbf), utf8('data: a\n\n')]).events).toEqual([
      message('a'),
    ]);
  });

  it('strips a BOM arriving after empty chunks', () => {
    expect(parseChunks(['', new Uint8Array(0), '\uFEFFdata: a\n\n']).events).toEqual([message('a')]);
  });

  it('keeps a second BOM, which then makes the first line an unknown field', () => {
    expect(parseChunks(['\uFEFF', '\uFEFFdata: a\n\ndata: b\n\n']).events).toEqual([message('b')]);
  });

  it('keeps a BOM inside data', () => {
    expect(parseChunks(['data: \uFEFFa\n\n']).events).toEqual([message('\uFEFFa')]);
  });

  it('strips the leading BOM of each new stream after end()', () => {
    const { parser, events } = recordingParser();
    parser.feed('\uFEFFdata: a\n\n');
    parser.end();
    parser.feed(utf8('\uFEFFdata: b\n\n'));
    expect(events).toEqual([message('a'), message('b')]);
  });
});

describe('UTF-8 decoding', () => {
  it('decodes code points of 2, 3 and 4 bytes split at every byte', () => {
    const input = 'data: é€😀 ünï\n\n';
    expect(parseChunks(byteByByte(input)).events).toEqual([message('é€😀 ünï')]);
    for (const [head, tail] of everySingleCut(input)) {
      expect(parseChunks([head, tail]).events).toEqual([message('é€😀 ünï')]);
    }
  });

  it('turns an invalid byte into U+FFFD', () => {
    expect(parseChunks([bytes(...utf8('data: a'), 0xff, ...utf8('b\n\n'))]).events).toEqual([
      message('a\uFFFDb'),
    ]);
  });

  it('turns UTF-8-encoded surrogates and overlong forms into U+FFFD', () => {
    const [event] = parseChunks([
      bytes(...utf8('data: '), 0xed, 0xa0, 0x80, 0xc0, 0xaf, ...utf8('\n\n')),
    ]).events;
    expect(event?.data).toMatch(/^\uFFFD+$/);
  });

  it('turns a truncated code point followed by a string chunk into U+FFFD', () => {
    expect(parseChunks([utf8('data: a'), bytes(0xe2, 0x82), '\n\n']).events).toEqual([message('a\uFFFD')]);
  });

  it('mixes string and byte chunks in one stream', () => {
    expect(parseChunks(['data: a', utf8('€'), '\n', utf8('\n')]).events).toEqual([message('a€')]);
  });
});

describe('interpretation', () => {
  it('commits the last event id at a blank line even when nothing is dispatched', () => {
    const { parser, events } = recordingParser();
    parser.feed('id: 42\n\n');
    expect(events).toEqual([]);
    expect(parser.lastEventId).toBe('42');
  });

  it('does not commit an id before its blank line', () => {
    const { parser } = recordingParser();
    parser.feed('id: 42\n');
    expect(parser.lastEventId).toBe('');
  });

  it('dispatches "" for "data:" and nothing for a block without data', () => {
    expect(parseChunks(['event: x\n\ndata:\n\n']).events).toEqual([message('')]);
  });

  it('removes exactly one space after the colon', () => {
    expect(parseChunks(['data:  two\nevent:  t\nid:  i\n\n']).events).toEqual([
      { type: ' t', data: ' two', lastEventId: ' i' },
    ]);
  });

  it('reports comments with the text after the colon, leading space kept', () => {
    expect(parseChunks([': ping\n:\n:: x\n']).comments).toEqual([' ping', '', ': x']);
  });

  it('reports retry values made of ASCII digits only', () => {
    const input =
      'retry: 10\nretry: -1\nretry: 1.5\nretry: ١٢\nretry: 0\nretry:  5\nretry: 99999999999999999999\n';
    expect(parseChunks([input]).retries).toEqual([10, 0, 1e20]);
  });

  it('discards an unfinished line and event at the end of the stream, keeping lastEventId', () => {
    const { parser, events } = recordingParser();
    parser.feed('id: 1\ndata: a\n\nid: 2\ndata: b\n\ndata: c\nid: 3');
    parser.end();
    expect(events).toEqual([message('a', '1'), message('b', '2')]);
    expect(parser.lastEventId).toBe('2');
    parser.feed('\n\n');
    expect(events).toHaveLength(2);
    expect(parser.lastEventId).toBe('2');
  });

  it('forgets everything, lastEventId included, on reset()', () => {
    const { parser, events } = recordingParser();
    parser.feed('id: 1\ndata: a\n\ndata: pending\nevent: t\n');
    parser.reset();
    expect(parser.lastEventId).toBe('');
    parser.feed('data: b\n\n');
    expect(events).toEqual([message('a', '1'), message('b')]);
  });

  it('starts from the id given to reset(), as a reconnecting client does', () => {
    const { parser, events } = recordingParser();
    parser.feed('id: 1\ndata: a\n\ndata: unfinished');
    parser.reset('41');
    expect(parser.lastEventId).toBe('41');
    parser.feed('\uFEFFdata: b\n\nid: 42\ndata: c\n\n');
    expect(events).toEqual([message('a', '1'), message('b', '41'), message('c', '42')]);
  });

  it('stays usable after a callback throws', () => {
    let calls = 0;
    const seen: string[] = [];
    const parser = new EventStreamParser({
      onEvent: (event) => {
        calls += 1;
        if (calls === 1) throw new Error('listener failed');
        seen.push(event.data);
      },
    });
    expect(() => parser.feed('event: t\ndata: a\n\n')).toThrow('listener failed');
    parser.feed('data: b\n\n');
    expect(seen).toEqual(['b']);
  });
});

import type { ParsedEvent } from '../../src/sse/index.js';

/**
 * The web-platform-tests `eventsource/format-*` cases, restated as data: the exact bytes one
 * connection delivers and what a conforming `EventSource` makes of them in that one pass.
 *
 * The WPT files drive a browser against a helper server that appends `\n\n` (unless told
 * `newline=none`) and then one more `\n` to the message; the inputs below already include those
 * endings. Cases that in WPT go on to reconnect (the `id` ones, `retry` timing) are cut to the
 * first connection: replaying across reconnections is the client's business.
 *
 * Shared with the client tests, which serve `input` as a response body (strings UTF-8 encoded)
 * with `contentType` and replay it through a real EventSource in Node and Chromium.
 */
export interface FormatCase {
  /** What the case shows, in our words. */
  name: string;
  /** The web-platform-tests file it restates (under `eventsource/`), or `herald` for our own. */
  source: string;
  input: string | Uint8Array;
  /** Every event dispatched, in order. */
  events: ParsedEvent[];
  /** Every valid `retry` value, in order. */
  retries: number[];
  /** Comment texts as our parser reports them (text after the colon); absent when not checked. */
  comments?: string[];
  /** The parser's `lastEventId` once the stream has ended. */
  lastEventIdAtEnd: string;
  /** Content-Type of the response; `text/event-stream` when absent. */
  contentType?: string;
  /** The client must fail the connection (wrong MIME type) and dispatch nothing. */
  expectConnectionFailure?: boolean;
}

const message = (data: string, lastEventId = ''): ParsedEvent => ({ type: 'message', data, lastEventId });
const x2048 = 'x'.repeat(2048);

export const formatCases: FormatCase[] = [
  {
    name: 'a leading BOM is skipped; a BOM later in the stream makes its line an unknown field',
    source: 'format-bom.any.js',
    input: '\uFEFFdata:1\n\n\uFEFFdata:2\n\ndata:3\n\n\n',
    events: [message('1'), message('3')],
    retries: [],
    lastEventIdAtEnd: '',
  },
  {
    name: 'only one leading BOM is skipped; a second one spoils the first field',
    source: 'format-bom-2.any.js',
    input: '\uFEFF\uFEFFdata:1\n\ndata:2\n\ndata:3\n\n\n',
    events: [message('2'), message('3')],
    retries: [],
    lastEventIdAtEnd: '',
  },
  {
    name: 'the leading BOM as UTF-8 bytes is skipped too',
    source: 'format-bom.any.js',
    input: new Uint8Array([
      0xef,
      0xbb,
      0xbf,
      ...ascii('data:1\n\n'),
      0xef,
      0xbb,
      0xbf,
      ...ascii('data:2\n\n'),
    ]),
    events: [message('1')],
    retries: [],
    lastEventIdAtEnd: '',
  },
  {
    name: 'comments (empty, NUL, long, field-like) between data lines with CR, LF and CRLF endings',
    source: 'format-comments.any.js',
    input: `data:1\r:\0\n:\r\ndata:2\n:${x2048}\rdata:3\n:data:fail\r:${x2048}\ndata:4\n\n`,
    events: [message('1\n2\n3\n4')],
    retries: [],
    comments: ['\0', '', x2048, 'data:fail', x2048],
    lastEventIdAtEnd: '',
  },
  {
    name: 'an event without its final blank line is discarded at the end, and so is its id',
    source: 'format-data-before-final-empty-line.any.js',
    input: 'retry:1000\ndata:test1\n\nid:test\ndata:test2\n',
    events: [message('test1')],
    retries: [1000],
    lastEventIdAtEnd: '',
  },
  {
    name: '"data:" gives an empty message; two bare "data" lines give one LF',
    source: 'format-field-data.any.js',
    input: 'data:\n\ndata\ndata\n\ndata:test\n\n\n',
    events: [message(''), message('\n'), message('test')],
    retries: [],
    lastEventIdAtEnd: '',
  },
  {
    name: 'an "event" field whose value is empty after the space gives type "message"',
    source: 'format-field-event-empty.any.js',
    input: 'event: \ndata:data\n\n\n',
    events: [message('data')],
    retries: [],
    lastEventIdAtEnd: '',
  },
  {
    name: 'the event type applies to one event only',
    source: 'format-field-event.any.js',
    input: 'event:test\ndata:x\n\ndata:x\n\n\n',
    events: [{ type: 'test', data: 'x', lastEventId: '' }, message('x')],
    retries: [],
    lastEventIdAtEnd: '',
  },
  {
    name: 'a non-ASCII id becomes the lastEventId; retry is reported',
    source: 'format-field-id.any.js',
    input: 'id: …\nretry: 200\ndata: hello\n\n',
    events: [message('hello', '…')],
    retries: [200],
    lastEventIdAtEnd: '…',
  },
  {
    name: 'the lastEventId persists on events without an id and changes with the next id',
    source: 'format-field-id-3.window.js',
    input: 'id: 1\ndata: 1\n\ndata: 2\n\nid: 2\ndata:3\n\ndata:4\n\n',
    events: [message('1', '1'), message('2', '1'), message('3', '2'), message('4', '2')],
    retries: [],
    lastEventIdAtEnd: '2',
  },
  {
    name: '"id:" with an empty value resets the lastEventId',
    source: 'format-field-id-3.window.js',
    input: 'id: 1\ndata: 1\n\nid:\ndata:2\n\ndata:3\n\n',
    events: [message('1', '1'), message('2'), message('3')],
    retries: [],
    lastEventIdAtEnd: '',
  },
  {
    name: 'a bare "id" line (no colon) resets the lastEventId',
    source: 'format-field-id-3.window.js',
    input: 'id: 1\ndata: 1\n\nid\ndata:2\n\ndata:3\n\n',
    events: [message('1', '1'), message('2'), message('3')],
    retries: [],
    lastEventIdAtEnd: '',
  },
  ...['\0\0', 'x\0', '\0x', 'x\0x', ' \0'].map(
    (idValue): FormatCase => ({
      name: `an id containing NUL is ignored (${JSON.stringify(idValue)})`,
      source: 'format-field-id-null.window.js',
      input: `id: ${idValue}\nretry: 200\ndata: hello\n\n`,
      events: [message('hello')],
      retries: [200],
      lastEventIdAtEnd: '',
    }),
  ),
  {
    name: 'an id without data is still committed at the blank line',
    source: 'herald',
    input: 'id: 7\n\ndata: after\n\n',
    events: [message('after', '7')],
    retries: [],
    lastEventIdAtEnd: '7',
  },
  {
    name: 'field names are case-sensitive and must match exactly; one space after the colon is removed',
    source: 'format-field-parsing.any.js',
    input:
      'data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n',
    events: [message('\0\n 2\n1\n3\n\n4')],
    retries: [],
    lastEventIdAtEnd: '',
  },
  {
    name: 'retry is read in base ten even with a leading zero',
    source: 'format-field-retry.any.js',
    input: 'retry:03000\ndata:x\n\n\n',
    events: [message('x')],
    retries: [3000],
    lastEventIdAtEnd: '',
  },
  {
    name: 'a retry value with a non-digit is ignored',
    source: 'format-field-retry-bogus.any.js',
    input: 'retry:3000\nretry:1000x\ndata:x\n\n\n',
    events: [message('x')],
    retries: [3000],
    lastEventIdAtEnd: '',
  },
  {
    name: 'a bare "retry" line (empty value) is ignored',
    source: 'format-field-retry-empty.any.js',
    input: 'retry\ndata:test\n\n\n',
    events: [message('test')],
    retries: [],
    lastEventIdAtEnd: '',
  },
  {
    name: 'unknown fields, a line starting with a space and colon-less text are ignored',
    source: 'format-field-unknown.any.js',
    input: 'data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n\n',
    events: [message('test\n\ntest')],
    retries: [],
    comments: ['thisisacommentyay'],
    lastEventIdAtEnd: '',
  },
  {
    name: 'only a space after the colon is removed, not a tab; a lone CR ends a line',
    source: 'format-leading-space.any.js',
    input: 'data:\ttest\rdata: \ndata:test\n\n\n',
    events: [message('\ttest\n\ntest')],
    retries: [],
    lastEventIdAtEnd: '',
  },
  {
    name: 'CRLF, LF and CR line endings mix; CRLF counts as one line ending',
    source: 'format-newlines.any.js',
    input: 'data:test\r\ndata\ndata:test\r\n\r\n',
    events: [message('test\n\ntest')],
    retries: [],
    lastEventIdAtEnd: '',
  },
  {
    name: 'a NUL in data is delivered as is',
    source: 'format-null-character.any.js',
    input: 'data:\0\n\n\n\n',
    events: [message('\0')],
    retries: [],
    lastEventIdAtEnd: '',
  },
  {
    name: 'the stream is always UTF-8, whatever charset the Content-Type names',
    source: 'format-utf-8.any.js',
    input: new Uint8Array([...ascii('data:ok'), 0xe2, 0x80, 0xa6, ...ascii('\n\n\n')]),
    events: [message('ok…')],
    retries: [],
    lastEventIdAtEnd: '',
    contentType: 'text/event-stream;charset=windows-1252',
  },
  {
    name: 'a MIME type with a trailing semicolon is accepted',
    source: 'format-mime-trailing-semicolon.any.js',
    input: 'data: data\n\n\n',
    events: [message('data')],
    retries: [],
    lastEventIdAtEnd: '',
    contentType: 'text/event-stream;',
  },
  {
    name: 'a malformed MIME type fails the connection',
    source: 'format-mime-bogus.any.js',
    input: 'data: data\n\n\n',
    events: [],
    retries: [],
    lastEventIdAtEnd: '',
    contentType: 'x bogus',
    expectConnectionFailure: true,
  },
  {
    name: 'a well-formed MIME type other than text/event-stream fails the connection',
    source: 'format-mime-valid-bogus.any.js',
    input: 'data: data\n\n\n',
    events: [],
    retries: [],
    lastEventIdAtEnd: '',
    contentType: 'text/x-bogus',
    expectConnectionFailure: true,
  },
];

function ascii(text: string): number[] {
  return Array.from(text, (char) => char.charCodeAt(0));
}

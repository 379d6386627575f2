import { type DecodedPayload, decodePayloadAt } from './payload.js';

/** What a scanner reports; one object per subscriber implements it (no closure per socket). */
export interface ScanSink {
  onHeaders(status: number): void;
  onPayload(payload: DecodedPayload): void;
}

enum Phase {
  Head = 0,
  Body = 1,
  ChunkSize = 2,
  ChunkData = 3,
  ChunkCrlf = 4,
  Ended = 5,
}

const HEAD_LIMIT_CHARS = 16 * 1024;

/**
 * Just enough of an HTTP/1.1 response and an SSE stream to count benchmark events: the status line,
 * `Transfer-Encoding: chunked` (node:http and nginx stream with it), then events separated by a blank
 * line, each searched for a payload (`r=…;s=…;t=…;`). Comments and heartbeats have no payload and
 * are skipped. Not a general SSE parser (the hub's own parser is tested elsewhere): it assumes LF
 * line ends, which every target here writes, and it works on latin1 strings, where one character is
 * one byte, so chunk sizes can be counted in characters.
 *
 * Cost per delivery: one string append, one `indexOf('\n\n')`, one `indexOf('r=')`, digit loops.
 */
export class SseResponseScanner {
  #phase = Phase.Head;
  #head = '';
  #chunked = false;
  #chunkLeft = 0;
  #sizeLine = '';
  #pending = '';
  readonly #payload: DecodedPayload = { runId: 0, seq: 0, sentUs: 0 };
  readonly #sink: ScanSink;

  constructor(sink: ScanSink) {
    this.#sink = sink;
  }

  get ended(): boolean {
    return this.#phase === Phase.Ended;
  }

  feed(text: string): void {
    if (this.#phase === Phase.Head) {
      this.#head += text;
      const end = this.#head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.#head.length > HEAD_LIMIT_CHARS) this.#endWith(0);
        return;
      }
      const head = this.#head;
      this.#head = '';
      const status = Number(head.slice(9, 12));
      this.#chunked = /\r\ntransfer-encoding:[^\r]*chunked/i.test(head.slice(0, end + 2));
      this.#phase = this.#chunked ? Phase.ChunkSize : Phase.Body;
      this.#sink.onHeaders(Number.isFinite(status) ? status : 0);
      text = head.slice(end + 4);
      if (text.length === 0) return;
    }
    if (this.#phase === Phase.Body) this.#scanEvents(text);
    else if (this.#phase !== Phase.Ended) this.#feedChunked(text);
  }

  #endWith(status: number): void {
    this.#phase = Phase.Ended;
    if (status === 0) this.#sink.onHeaders(0);
  }

  #feedChunked(text: string): void {
    let i = 0;
    while (i < text.length && this.#phase !== Phase.Ended) {
      if (this.#phase === Phase.ChunkData) {
        const take = Math.min(this.#chunkLeft, text.length - i);
        this.#scanEvents(take === text.length ? text : text.slice(i, i + take));
        i += take;
        this.#chunkLeft -= take;
        if (this.#chunkLeft === 0) {
          this.#phase = Phase.ChunkCrlf;
          this.#chunkLeft = 2;
        }
      } else if (this.#phase === Phase.ChunkCrlf) {
        const skip = Math.min(this.#chunkLeft, text.length - i);
        i += skip;
        this.#chunkLeft -= skip;
        if (this.#chunkLeft === 0) this.#phase = Phase.ChunkSize;
      } else {
        const lf = text.indexOf('\n', i);
        if (lf < 0) {
          this.#sizeLine += text.slice(i);
          return;
        }
        const line = this.#sizeLine + text.slice(i, lf);
        this.#sizeLine = '';
        i = lf + 1;
        const size = Number.parseInt(line, 16);
        if (!(size > 0)) {
          this.#phase = Phase.Ended;
          return;
        }
        this.#chunkLeft = size;
        this.#phase = Phase.ChunkData;
      }
    }
  }

  #scanEvents(text: string): void {
    const pending = this.#pending.length === 0 ? text : this.#pending + text;
    let start = 0;
    let searchFrom = Math.max(0, this.#pending.length - 1);
    for (;;) {
      const end = pending.indexOf('\n\n', searchFrom);
      if (end < 0) break;
      // An `r=` can also occur inside an id; try each one in the event until a payload decodes.
      let at = pending.indexOf('r=', start);
      while (at >= 0 && at < end) {
        if (decodePayloadAt(pending, at, this.#payload)) {
          this.#sink.onPayload(this.#payload);
          break;
        }
        at = pending.indexOf('r=', at + 2);
      }
      start = end + 2;
      searchFrom = start;
    }
    this.#pending = start === 0 ? pending : pending.slice(start);
  }
}

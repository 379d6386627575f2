import { sseResponseHeaders } from './headers.js';
import { readLastEventId } from './last-event-id.js';
import { assertValidOptions, DEFAULT_LAST_EVENT_ID_PARAM, type SseStreamOptions } from './options.js';
import { BaseSseStream, initialBytes, type SseStream } from './sse-stream.js';
import type { SseStreamClosedError } from './stream-closed-error.js';

/**
 * Bytes the response body may hold before we count the client as slow and queue on our side.
 * Hosts (e.g. @hono/node-server) read one chunk at a time and wait for their socket to drain, so
 * this is the body's share of the buffering; the bounded queue takes the rest.
 */
const BODY_HIGH_WATER_BYTES = 16 * 1024;

/**
 * Starts an event stream as a Fetch `Response` (Hono, Next.js route handlers, Bun, Deno, ...).
 * Return `response` from the handler and keep `stream` to send events. The body already holds the
 * first bytes, so hosts that wait for a first chunk before sending headers send them at once.
 * No `node:*` imports: this runs on any runtime with Web streams.
 */
export function createFetchSseResponse(
  request: Request,
  options: SseStreamOptions = {},
): { response: Response; stream: SseStream } {
  assertValidOptions(options);
  const firstBytes = initialBytes(options);
  const lastEventId = readLastEventId(
    request.headers.get('last-event-id'),
    request.url,
    options.lastEventIdParam ?? DEFAULT_LAST_EVENT_ID_PARAM,
  );
  const stream = new FetchSseStream(request.signal, options, lastEventId, firstBytes);
  // We cannot see the protocol behind a Fetch host, so connection-specific headers never go out.
  const response = new Response(stream.body, {
    status: 200,
    headers: sseResponseHeaders(true, options.headers),
  });
  return { response, stream };
}

/**
 * The body's underlying source and the request signal's listener in one object (`handleEvent`),
 * so the Web streams machinery needs no closure per stream.
 */
class BodySource implements UnderlyingDefaultSource<Uint8Array> {
  controller!: ReadableStreamDefaultController<Uint8Array>;

  constructor(readonly stream: FetchSseStream) {}

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller;
  }

  /** The consumer wants more: called after reads once the body's queue is below its high-water mark. */
  pull(): void {
    this.stream.onWritable();
  }

  cancel(): void {
    this.stream.onTransportClosed();
  }

  /** The request's AbortSignal fired: the client went away. */
  handleEvent(): void {
    this.stream.onTransportClosed();
  }
}

class FetchSseStream extends BaseSseStream {
  readonly body: ReadableStream<Uint8Array>;
  readonly #source: BodySource;
  readonly #requestSignal: AbortSignal;

  constructor(
    requestSignal: AbortSignal,
    options: SseStreamOptions,
    lastEventId: string | undefined,
    firstBytes: Uint8Array,
  ) {
    super(options, lastEventId);
    this.#source = new BodySource(this);
    // A default (not 'bytes') stream on purpose: byte streams transfer enqueued buffers, which
    // would detach the one buffer a fan-out shares with every other stream.
    this.body = new ReadableStream(
      this.#source,
      new ByteLengthQueuingStrategy({ highWaterMark: BODY_HIGH_WATER_BYTES }),
    );
    this.#requestSignal = requestSignal;
    this.open(firstBytes);
    if (requestSignal.aborted) this.handleTransportClosed();
    else requestSignal.addEventListener('abort', this.#source);
  }

  onWritable(): void {
    this.handleWritable();
  }

  onTransportClosed(): void {
    this.handleTransportClosed();
  }

  protected writeChunk(bytes: Uint8Array): boolean {
    const controller = this.#source.controller;
    controller.enqueue(bytes);
    return (controller.desiredSize ?? 0) > 0;
  }

  protected awaitWritable(): void {
    // Nothing to arm: the body calls pull() when its consumer has read below the high-water mark.
  }

  protected endTransport(): void {
    try {
      this.#source.controller.close();
    } catch {
      // Already cancelled by the consumer: nothing left to end.
    }
  }

  protected destroyTransport(error: SseStreamClosedError): void {
    try {
      // Erroring the body of a gone client would only make hosts log a scary stack trace.
      if (error.reason === 'client-closed') this.#source.controller.close();
      else this.#source.controller.error(error);
    } catch {
      // Already closed or errored.
    }
  }

  protected detachTransport(): void {
    this.#requestSignal.removeEventListener('abort', this.#source);
  }
}

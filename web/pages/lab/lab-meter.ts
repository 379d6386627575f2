/** What one transport cost so far, as this page's own `fetch` saw it. */
export interface TransportCost {
  requests: number;
  /** Response heads (estimated, see `headBytes`) plus bodies. */
  receivedBytes: number;
  /** The body part of `receivedBytes`: an SSE stream's framing is body minus payload. */
  bodyBytes: number;
  /** Poll answers that carried no event (short polling's price for asking on a timer). */
  emptyAnswers: number;
  /** Poll answers received in full, with or without events. */
  answers: number;
}

export function emptyCost(): TransportCost {
  return { requests: 0, receivedBytes: 0, bodyBytes: 0, emptyAnswers: 0, answers: 0 };
}

/**
 * A `fetch` for the Herald client that counts requests and received bytes. Bodies are counted as
 * they stream (an SSE response never ends, so Resource Timing's `transferSize` would only report
 * it when closed). The head is estimated as HTTP/1.1 writes it: "name: value\r\n" per header plus
 * the status line. Compression and TCP/TLS framing are not visible from a page.
 */
export function meteredFetch(cost: TransportCost): typeof fetch {
  return async (input, init) => {
    cost.requests += 1;
    const response = await fetch(input, init);
    const head = headBytes(response);
    cost.receivedBytes += head;
    if (response.body === null) return response;
    // Poll answers are small JSON documents: keep their text to see whether they carried events.
    const isPoll = response.headers.get('content-type')?.startsWith('application/json') === true;
    const decoder = new TextDecoder();
    let text = '';
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        cost.receivedBytes += chunk.byteLength;
        cost.bodyBytes += chunk.byteLength;
        if (isPoll) text += decoder.decode(chunk, { stream: true });
        controller.enqueue(chunk);
      },
      flush() {
        if (!isPoll) return;
        cost.answers += 1;
        if (countEvents(text + decoder.decode()) === 0) cost.emptyAnswers += 1;
      },
    });
    return new Response(response.body.pipeThrough(counter), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

function countEvents(json: string): number | undefined {
  try {
    const { events } = JSON.parse(json) as { events?: unknown };
    return Array.isArray(events) ? events.length : undefined;
  } catch {
    return undefined;
  }
}

function headBytes(response: Response): number {
  let sizeBytes = `HTTP/1.1 ${response.status} ${response.statusText}\r\n\r\n`.length;
  response.headers.forEach((value, name) => {
    sizeBytes += name.length + value.length + 4;
  });
  return sizeBytes;
}

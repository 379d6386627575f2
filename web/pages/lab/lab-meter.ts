/** What one transport cost so far, as the page's own `fetch` saw it. */
export interface TransportCost {
  requests: number;
  /** Response bodies plus an estimate of the response head (status line + headers). */
  receivedBytes: number;
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
    cost.receivedBytes += headBytes(response);
    if (response.body === null) return response;
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        cost.receivedBytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(counter), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

function headBytes(response: Response): number {
  let sizeBytes = `HTTP/1.1 ${response.status} ${response.statusText}\r\n\r\n`.length;
  response.headers.forEach((value, name) => {
    sizeBytes += name.length + value.length + 4;
  });
  return sizeBytes;
}

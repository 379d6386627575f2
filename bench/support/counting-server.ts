/**
 * A `node:http` server on loopback that counts, per label (e.g. the `transport` query parameter),
 * the requests it answered and the bytes it sent. Wire bytes are the socket's `bytesWritten` delta
 * over the response (status line, headers, chunked framing, body): exact, because HTTP/1.1 clients
 * do not pipeline, so one socket carries one response at a time. Body bytes are counted at
 * `res.write`/`res.end`; wire minus body is the header and framing overhead.
 */
import { once } from 'node:events';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TrafficCount {
  requests: number;
  wireBytes: number;
  bodyBytes: number;
}

export interface CountingServer {
  server: Server;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Totals per label so far, open responses (event streams) included up to now. */
  traffic(): Map<string, TrafficCount>;
  close(): Promise<void>;
}

interface OpenResponse {
  label: string;
  res: ServerResponse;
  wireStartBytes: number;
}

export async function startCountingServer(
  listener: RequestListener,
  labelOf: (req: IncomingMessage) => string,
): Promise<CountingServer> {
  const totals = new Map<string, TrafficCount>();
  const open = new Set<OpenResponse>();
  const countOf = (label: string): TrafficCount => {
    const known = totals.get(label);
    if (known) return known;
    const count = { requests: 0, wireBytes: 0, bodyBytes: 0 };
    totals.set(label, count);
    return count;
  };
  const wireSoFar = (entry: OpenResponse) =>
    (entry.res.socket?.bytesWritten ?? entry.wireStartBytes) - entry.wireStartBytes;

  const server = createServer((req, res) => {
    const label = labelOf(req);
    const count = countOf(label);
    count.requests++;
    const entry: OpenResponse = { label, res, wireStartBytes: req.socket.bytesWritten };
    open.add(entry);
    countBodyBytes(res, count);
    // The socket outlives a keep-alive response: read its counter when this response is done.
    const settle = () => {
      if (!open.delete(entry)) return;
      count.wireBytes += (req.socket.bytesWritten ?? 0) - entry.wireStartBytes;
    };
    res.once('finish', settle);
    res.once('close', settle);
    listener(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    traffic() {
      const snapshot = new Map<string, TrafficCount>();
      for (const [label, count] of totals) snapshot.set(label, { ...count });
      for (const entry of open) {
        const count = snapshot.get(entry.label);
        if (count) count.wireBytes += wireSoFar(entry);
      }
      return snapshot;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function countBodyBytes(res: ServerResponse, count: TrafficCount): void {
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  const add = (chunk: unknown) => {
    if (typeof chunk === 'string') count.bodyBytes += Buffer.byteLength(chunk);
    else if (chunk instanceof Uint8Array) count.bodyBytes += chunk.byteLength;
  };
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    add(chunk);
    return write(chunk, ...rest);
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'function') add(chunk);
    return end(chunk, ...rest);
  }) as ServerResponse['end'];
}

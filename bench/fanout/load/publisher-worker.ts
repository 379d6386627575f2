/**
 * The publisher process: sends numbered, timestamped events to a target over ONE keep-alive
 * connection with HTTP/1.1 pipelining. One connection because the servers handle requests of a
 * connection in order, so sequence numbers arrive in order and any reordering a subscriber sees is
 * the server's; pipelining (a window of requests in flight) because waiting for each response
 * would measure the round trip instead of the server.
 */
import { connect, type Socket } from 'node:net';
import { encodePayload } from './payload.js';
import type { PublishCommand, PublishReply, PublishSpec } from './protocol.js';
import { calibratedWallClockUs } from './wall-clock.js';

const nowUs = calibratedWallClockUs();

function requestHead(spec: PublishSpec, bodyBytes: number): string {
  let head = `POST ${spec.path} HTTP/1.1\r\nHost: ${spec.host}:${spec.port}\r\nContent-Length: ${bodyBytes}\r\n`;
  for (const [name, value] of Object.entries(spec.headers)) head += `${name}: ${value}\r\n`;
  return head + '\r\n';
}

function requestFor(spec: PublishSpec, payload: string): string {
  const body =
    spec.bodyFormat === 'raw'
      ? payload
      : `topic=${encodeURIComponent(spec.topic)}&data=${encodeURIComponent(payload)}`;
  return requestHead(spec, Buffer.byteLength(body)) + body;
}

/**
 * Counts complete responses in a pipelined stream: status line, headers, then a Content-Length body
 * or a chunked body up to its last-chunk. Enough for the short replies of publish endpoints.
 */
class ResponseCounter {
  #buffer = '';
  onResponse: (status: number) => void = () => {};

  feed(text: string): void {
    this.#buffer += text;
    for (;;) {
      const headEnd = this.#buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = this.#buffer.slice(0, headEnd).toLowerCase();
      const status = Number(head.slice(9, 12));
      let end: number;
      const length = /\r\ncontent-length:\s*(\d+)/.exec(head);
      if (length !== null) {
        end = headEnd + 4 + Number(length[1]);
        if (this.#buffer.length < end) return;
      } else if (/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) {
        const last = this.#buffer.indexOf('0\r\n\r\n', headEnd + 4);
        if (last < 0) return;
        end = last + 5;
      } else {
        end = headEnd + 4; // no body (204, 304) or none declared
      }
      this.#buffer = this.#buffer.slice(end);
      this.onResponse(status);
    }
  }
}

let socket: Socket | undefined;
let socketAddress = '';
let counter = new ResponseCounter();

/** The keep-alive connection to the spec's server, reused across runs against the same target. */
function openSocket(spec: PublishSpec): Promise<Socket> {
  const address = `${spec.host}:${spec.port}`;
  if (socket !== undefined && !socket.destroyed && socketAddress === address) return Promise.resolve(socket);
  socket?.destroy();
  socketAddress = address;
  return new Promise((resolve, reject) => {
    const s = connect({ host: spec.host, port: spec.port, noDelay: true });
    counter = new ResponseCounter();
    s.setEncoding('latin1');
    s.on('data', (text: string) => counter.feed(text));
    s.once('connect', () => {
      socket = s;
      resolve(s);
    });
    s.once('error', reject);
    s.on('close', () => {
      if (socket === s) socket = undefined;
    });
  });
}

async function publish(command: PublishCommand): Promise<PublishReply> {
  const errors: Record<string, number> = {};
  const note = (key: string) => {
    errors[key] = (errors[key] ?? 0) + 1;
  };
  let s: Socket;
  try {
    s = await openSocket(command.spec);
  } catch (error) {
    note((error as NodeJS.ErrnoException).code ?? 'CONNECT');
    return { type: 'published', sent: 0, acked: 0, errors, firstSendUs: 0, lastAckUs: 0 };
  }
  let sent = 0;
  let answered = 0;
  let acked = 0;
  let lastAckUs = 0;
  const firstSendUs = nowUs();
  const deadlineUs = firstSendUs + command.deadlineMs * 1000;
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(giveUp);
      clearTimeout(timer);
      s.off('close', onClose);
      resolve({ type: 'published', sent, acked, errors, firstSendUs, lastAckUs });
    };
    const onClose = () => {
      note('CONNECTION_CLOSED');
      finish();
    };
    s.on('close', onClose);
    const paced = command.eventsPerSec;
    let timer: NodeJS.Timeout | undefined;
    // A server that stops answering must not hang the cell: give up 10 s after the deadline.
    const giveUp = setTimeout(() => {
      note('NO_RESPONSE');
      finish();
    }, command.deadlineMs + 10_000);
    const pump = () => {
      if (finished) return;
      const now = nowUs();
      const stop = now >= deadlineUs;
      const due =
        paced === null
          ? command.count
          : Math.min(command.count, Math.floor(((now - firstSendUs) * paced) / 1e6) + 1);
      let batch = '';
      while (!stop && sent < due && sent - answered < command.window) {
        batch += requestFor(command.spec, encodePayload(command.runId, sent, nowUs(), command.payloadBytes));
        sent++;
      }
      if (batch.length > 0) s.write(batch, 'latin1');
      if (answered >= sent && (sent >= command.count || stop)) {
        finish();
      } else if (paced !== null && !stop && sent < command.count && sent >= due && timer === undefined) {
        // Paced: sleep until the next event is due. Timers are ~1 ms granular; `due` catches up.
        const nextDueUs = firstSendUs + (sent * 1e6) / paced;
        timer = setTimeout(
          () => {
            timer = undefined;
            pump();
          },
          Math.max(0, (nextDueUs - nowUs()) / 1000),
        );
      }
    };
    counter.onResponse = (status) => {
      answered++;
      if (status >= 200 && status < 300) {
        acked++;
        lastAckUs = nowUs();
      } else note(String(status));
      pump();
    };
    pump();
  });
}

process.on('message', (command: PublishCommand) => {
  void publish(command).then((reply) => process.send?.(reply));
});
process.on('disconnect', () => process.exit(0));

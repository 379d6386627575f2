import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET } from '../http/helpers.js';
import { ServeProcess } from '../support/herald-cli.js';

const running: ServeProcess[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const cli of running.splice(0)) {
    cli.stop();
    await cli.exited;
  }
});

/** A raw connection to 127.0.0.1:`port` that writes `text`; `reply` is all it read until it closed. */
function raw(port: number, text: string): { socket: Socket; reply: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  const chunks: Buffer[] = [];
  const reply = new Promise<string>((resolve) => {
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', () => {});
  });
  socket.write(text);
  return { socket, reply };
}

const statusOf = (reply: string) => Number(reply.slice(9, 12));
const COMPLETE = 'GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';

describe('herald serve: the HTTP edge', () => {
  it('answers a garbage request line with 400 and refuses unfinished sockets past --max-connections-per-ip with 429', async () => {
    const cli = ServeProcess.spawn(['--store', 'memory', '--max-connections-per-ip', '20'], {
      HERALD_JWT_KEY: SECRET,
    });
    running.push(cli);
    const port = await cli.port();

    const garbage = await raw(port, 'HELLO THERE\r\n\r\n').reply;
    expect(statusOf(garbage)).toBe(400);
    expect(garbage).toMatch(/malformed\n$/);

    // 30 sockets that send half their headers: 20 hold the cap, 10 are answered at once.
    const slow = Array.from({ length: 30 }, () =>
      raw(port, 'GET /.well-known/mercure?topic=x HTTP/1.1\r\nHost: a\r\nx-slow: 1'),
    );
    const answered: string[] = [];
    await new Promise<void>((resolve) => {
      for (const { reply } of slow) {
        void reply.then((text) => {
          answered.push(text);
          if (answered.length === 10) resolve();
        });
      }
    });
    expect(answered.map(statusOf)).toEqual(Array(10).fill(429));
    expect(answered[0]).toMatch(/too many connections from this address are still sending their headers\n$/);
    // The 20 others still hold the cap: a complete request from the same address is refused too.
    expect(statusOf(await raw(port, COMPLETE).reply)).toBe(429);
    // Once they give up, the address is served again.
    for (const { socket } of slow) socket.end();
    await Promise.all(slow.map(({ reply }) => reply));
    expect(statusOf(await raw(port, COMPLETE).reply)).toBe(200);
  });
});

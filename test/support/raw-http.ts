/** An HTTP/1.x exchange on a raw socket, for tests about the bytes a server writes. */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

export interface RawExchange {
  socket: Socket;
  /** Every byte received so far, as latin1 text. */
  text: () => string;
}

/** Sends `request` on a raw loopback socket and collects every byte the server sends back. */
export async function rawExchange(port: number, request: string): Promise<RawExchange> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(request);
  return { socket, text: () => Buffer.concat(chunks).toString('latin1') };
}

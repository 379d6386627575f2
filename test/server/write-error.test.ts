import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createNodeSseStream, type SseStream, type StreamCloseReason } from '../../src/server/index.js';
import { nextTurn, openSse, startServer, type TestServer, waitFor } from './support.js';

let host: TestServer | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function serveOne() {
  const reasons: StreamCloseReason[] = [];
  const errors: unknown[] = [];
  const warn = vi.fn();
  const opened: { stream: SseStream; res: ServerResponse }[] = [];
  host = await startServer((req, res) => {
    const stream = createNodeSseStream(req, res, {
      logger: { warn },
      onClose: (reason, error) => {
        reasons.push(reason);
        errors.push(error);
      },
    });
    opened.push({ stream, res });
  });
  const client = await openSse(`${host.url}/events`);
  return { client, reasons, errors, warn, ...opened[0]! };
}

describe('write errors', () => {
  it('closes with write-error, logs it and tears the connection down when a write throws', async () => {
    const { client, reasons, errors, warn, stream, res } = await serveOne();
    const failure = new Error('disk on fire');
    res.write = () => {
      throw failure;
    };
    stream.send({ data: 'x' });
    await nextTurn();
    expect(reasons).toEqual(['write-error']);
    expect(errors).toEqual([failure]);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ reason: 'write-error', err: failure }),
      expect.any(String),
    );
    await waitFor(() => client.response.destroyed, 'the client connection to drop');
  });

  it('closes with write-error when the response emits an error', async () => {
    const { reasons, stream, res } = await serveOne();
    res.emit('error', new Error('broken pipe'));
    expect(reasons).toEqual(['write-error']);
    await expect(stream.closed).resolves.toBe('write-error');
  });
});

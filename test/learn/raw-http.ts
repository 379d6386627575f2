/**
 * Reads an HTTP response as curl -i prints it: the status line and the header lines as the server
 * wrote them, a blank line, then the body without the chunked framing. Stops reading (and closes
 * the connection) once `isEnough(body)` says so: an event stream never ends by itself.
 */
import { request } from 'node:http';

export interface RawResponse {
  head: string;
  body: string;
}

export function readRaw(
  url: string,
  isEnough: (body: string) => boolean,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const lines = [`HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage}`];
      for (let i = 0; i < res.rawHeaders.length; i += 2)
        lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
      const head = `${lines.join('\n')}\n`;
      let body = '';
      res.setEncoding('utf8');
      const finish = () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ head, body });
      };
      res.on('data', (chunk: string) => {
        body += chunk;
        if (isEnough(body)) finish();
      });
      res.on('end', finish);
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${url}: not enough bytes within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

/** True once `body` holds `count` complete events that carry an `id:` line. */
export function hasEvents(count: number): (body: string) => boolean {
  return (body) =>
    body.split('\n\n').filter((block, i, all) => i < all.length - 1 && /^id:/m.test(block)).length >= count;
}

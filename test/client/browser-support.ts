import type { IncomingMessage, ServerResponse } from 'node:http';
import { build } from 'esbuild';
import { startServer, type TestServer } from './support.js';

let bundled: Promise<string> | undefined;

/** herald/client bundled for the browser (once per test file), as an ES module source string. */
export function bundleClient(): Promise<string> {
  bundled ??= build({
    entryPoints: [new URL('../../src/client/index.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
  }).then((result) => result.outputFiles[0]!.text);
  return bundled;
}

/** The page loads the bundle and exposes it as `window.Herald`, then sets `window.ready`. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>herald client</title>
<script type="module">import * as Herald from '/client.js'; window.Herald = Herald; window.ready = true;</script>`;

/**
 * A server for browser tests: `/` is the page, `/client.js` the bundle; everything else goes to
 * `handler`.
 */
export async function startPageServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<TestServer> {
  const client = await bundleClient();
  return startServer((request, response) => {
    if (request.url === '/') return void response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    // Without this the favicon request of each tab would reach `handler` (and could hold a socket).
    if (request.url === '/favicon.ico') return void response.writeHead(404).end();
    if (request.url === '/client.js') {
      return void response.writeHead(200, { 'content-type': 'text/javascript' }).end(client);
    }
    handler(request, response);
  });
}

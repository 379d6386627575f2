/**
 * The six-connection limit, to watch in a browser: every page served here opens one event stream.
 * Run: npx tsx examples/learn/six-connections.ts (PORT overrides 3000), open http://localhost:3000/
 * in seven tabs of one browser window: the seventh does not even load. Close one of the others and
 * it loads at once. With TLS_CERT and TLS_KEY (PEM files) it serves HTTP/2 over TLS instead, and
 * every tab loads. Guide: docs/learn/six-connections.md. Test: test/learn/six-connections.test.ts.
 */
import { readFileSync } from 'node:fs';

// #region server
import { createServer } from 'node:http';
import { createSecureServer } from 'node:http2';

const PAGE = `<!doctype html><meta charset="utf-8"><title>one stream per tab</title>
<p>Stream: <output id="state">connecting</output></p>
<script>
  const source = new EventSource('/events');
  source.onopen = () => { document.getElementById('state').textContent = 'open'; };
</script>`;

/** What this handler needs of a response; node:http's and node:http2's both have it. */
interface Response {
  writeHead(status: number, headers?: Record<string, string>): unknown;
  write(chunk: string): unknown;
  end(body: string): unknown;
  on(event: 'close', listener: () => void): unknown;
}

/** Serves the page and its event stream; `openStreams` counts the streams open right now. */
export function tabServer() {
  const openStreams = new Set<Response>();
  const handle = (req: { url?: string | undefined }, res: Response) => {
    if (req.url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return void res.end(PAGE);
    }
    if (req.url !== '/events') {
      res.writeHead(404);
      return void res.end('');
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write(': open\n\n'); // the headers go out now: the tab's `open` fires
    openStreams.add(res);
    res.on('close', () => openStreams.delete(res));
  };
  return { handle, openStreams };
}

export const http1Server = () => {
  const tabs = tabServer();
  return { server: createServer(tabs.handle), openStreams: tabs.openStreams };
};

/** HTTP/2 needs TLS in browsers: one connection then carries every tab's stream. */
export const http2Server = (cert: string, key: string) => {
  const tabs = tabServer();
  return { server: createSecureServer({ cert, key }, tabs.handle), openStreams: tabs.openStreams };
};
// #endregion server

if (process.argv[1] === import.meta.filename) {
  const cert = process.env['TLS_CERT'];
  const key = process.env['TLS_KEY'];
  const { server } =
    cert && key ? http2Server(readFileSync(cert, 'utf8'), readFileSync(key, 'utf8')) : http1Server();
  const port = Number(process.env['PORT'] ?? 3000);
  server.listen(port, '127.0.0.1', () => {
    const { port: actual } = server.address() as { port: number };
    console.log(`listening on ${cert && key ? 'https' : 'http'}://127.0.0.1:${actual}`);
  });
  const stop = () => process.exit(0); // open streams would keep server.close() waiting
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

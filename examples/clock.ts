/**
 * A clock over Server-Sent Events: `npm run example:clock`, then open http://localhost:3000 (PORT overrides).
 * Each second the server sends the ISO time with an incrementing event id. Stop and restart the
 * server: the browser reconnects with Last-Event-ID and the counter resumes where it was.
 */
import { createServer } from 'node:http';
import { createNodeSseStream } from '../src/server/index.js';

const TICK_MS = 1000;
const port = Number(process.env['PORT'] ?? 3000);

const page = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Herald clock</title>
<style>body { font: 2rem system-ui, sans-serif; margin: 3rem; } small { color: #666; }</style>
<p>Time: <output id="time">…</output></p>
<p>Event id: <output id="counter">…</output></p>
<p><small id="status">connecting</small></p>
<script>
  const source = new EventSource('/events');
  source.addEventListener('open', () => { document.getElementById('status').textContent = 'connected'; });
  source.addEventListener('error', () => { document.getElementById('status').textContent = 'reconnecting'; });
  source.addEventListener('tick', (event) => {
    document.getElementById('time').textContent = event.data;
    document.getElementById('counter').textContent = event.lastEventId;
  });
</script>
</html>
`;

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    return;
  }
  if (path !== '/events') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  const stream = createNodeSseStream(req, res, { retryMs: 2000 });
  // Resume the count from the id the browser last saw (sent on reconnect as Last-Event-ID).
  let counter = Number.parseInt(stream.lastEventId ?? '0', 10) || 0;
  const tick = (): void => {
    counter += 1;
    stream.send({ event: 'tick', id: String(counter), data: new Date().toISOString() });
  };
  tick();
  const timer = setInterval(tick, TICK_MS);
  stream.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
});

server.listen(port, () => {
  console.log(`Herald clock on http://localhost:${port}/`);
});

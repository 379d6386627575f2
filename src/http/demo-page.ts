/** A minimal page with a live subscription box (the full demo lives in web/). */
export const DEMO_PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Herald</title>
<style>body{font:16px system-ui;margin:2rem;max-width:50rem}pre{background:#f4f4f4;padding:1rem;min-height:8rem}</style>
<h1>Herald</h1>
<p>Subscribe to a topic (anonymous subscribers must be enabled with <code>--anonymous</code>).</p>
<form id="f"><input id="topic" value="https://example.com/demo" size="50"> <button>Subscribe</button></form>
<pre id="log"></pre>
<script>
let source;
document.getElementById('f').addEventListener('submit', (e) => {
  e.preventDefault();
  source?.close();
  const url = new URL('/.well-known/mercure', location.href);
  url.searchParams.append('topic', document.getElementById('topic').value);
  source = new EventSource(url);
  const log = document.getElementById('log');
  source.onopen = () => { log.textContent += 'connected\\n'; };
  source.onmessage = (m) => { log.textContent += m.lastEventId + ' ' + m.data + '\\n'; };
  source.onerror = () => { log.textContent += 'connection error, retrying\\n'; };
});
</script>
</html>
`;

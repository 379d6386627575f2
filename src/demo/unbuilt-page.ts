/**
 * Served at `/` in demo mode before the pages were built: says how to build them.
 * (The demo itself is `web/`, bundled by `scripts/build-web.mjs` into `dist/web/`.)
 */
export const UNBUILT_PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:40rem;padding:0 1rem;color:#1d2433}
code{background:#eef1f6;padding:.1rem .3rem;border-radius:4px}</style>
<h1>Herald</h1>
<p>This is a Mercure hub: subscribe at <code>/.well-known/mercure?topic=…</code>, publish with a
<code>POST</code> to the same URL.</p>
<p>The demo's pages (notifications, a live price, chat, reminders and a lab comparing SSE, long
polling and short polling) are not built yet: run <code>npm run build</code>, then start the hub in
demo mode again (or just <code>npm start</code>).</p>
</html>
`;

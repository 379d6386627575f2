import { fileURLToPath } from 'node:url';
import { defineConfig, type HtmlTagDescriptor, type Plugin } from 'vite';

/** The demo's pages: `/` is index.html, `/<name>` is `<name>.html` (src/http/demo-assets.ts). */
export const DEMO_PAGES = ['index', 'stocks', 'notifications', 'chat', 'meetings', 'lab'] as const;

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * What every page has around its own `<main>`: the head's meta tags, the header that
 * web/shared/layout.ts fills (navigation, connection status), the problem banner and the footer.
 * Written once here; a page's HTML holds only its title, its script and its content.
 */
function demoFrame(): Plugin {
  const tags: HtmlTagDescriptor[] = [
    { tag: 'meta', attrs: { charset: 'utf-8' }, injectTo: 'head-prepend' },
    {
      tag: 'meta',
      attrs: { name: 'viewport', content: 'width=device-width, initial-scale=1' },
      injectTo: 'head-prepend',
    },
    // No favicon request (and no 404 in the console).
    { tag: 'link', attrs: { rel: 'icon', href: 'data:,' }, injectTo: 'head' },
    { tag: 'header', attrs: { id: 'top', class: 'top' }, injectTo: 'body-prepend' },
    {
      tag: 'p',
      attrs: { id: 'banner', class: 'banner', role: 'alert', hidden: true },
      injectTo: 'body-prepend',
    },
    {
      tag: 'footer',
      children:
        'Herald · Mercure protocol · <a href="/healthz">/healthz</a> · <a href="/metrics">/metrics</a>',
      injectTo: 'body',
    },
  ];
  return { name: 'herald-demo-frame', transformIndexHtml: () => tags };
}

/**
 * Multi-page build of web/ into dist/web/. Scripts and styles land in `assets/` with hashed names
 * and are served by the hub under `/demo/` (hence `base`); the pages keep their short URLs.
 */
export default defineConfig({
  root: here('./'),
  base: '/demo/',
  logLevel: 'warn',
  plugins: [demoFrame()],
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    // One small demo: no source maps served, no inlined assets to audit.
    sourcemap: false,
    assetsInlineLimit: 0,
    rolldownOptions: {
      input: Object.fromEntries(DEMO_PAGES.map((page) => [page, here(`./${page}.html`)])),
    },
  },
});

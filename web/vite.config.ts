import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The demo's pages: `/` is index.html, `/<name>` is `<name>.html` (src/http/demo-assets.ts). */
export const DEMO_PAGES = ['index', 'stocks', 'notifications', 'chat', 'meetings', 'lab'] as const;

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Multi-page build of web/ into dist/web/. Scripts and styles land in `assets/` with hashed names
 * and are served by the hub under `/demo/` (hence `base`); the pages keep their short URLs.
 */
export default defineConfig({
  root: here('./'),
  base: '/demo/',
  logLevel: 'warn',
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

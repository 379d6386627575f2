// Builds the demo pages (web/, with Vite) into dist/web/: one HTML file per page and hashed
// scripts and styles under assets/. The pages carry the Herald client from src/client and uPlot.
// Usage: node scripts/build-web.mjs [outDir]   (default dist/web)
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const root = new URL('../', import.meta.url);

/** Writes the pages into `outDir` (emptied first); resolves with the files written, relative to it. */
export async function buildWeb(outDir = fileURLToPath(new URL('dist/web/', root))) {
  await build({
    configFile: fileURLToPath(new URL('web/vite.config.ts', root)),
    build: { outDir, emptyOutDir: true },
  });
  return readdir(outDir, { recursive: true });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildWeb(process.argv[2]);
}

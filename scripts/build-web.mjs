// Bundles the demo page (web/) into dist/web/: index.html, demo.css and demo.js. demo.js carries
// the Herald client from src/client and nothing else at runtime (no framework, no CDN).
// Usage: node scripts/build-web.mjs [outDir]   (default dist/web)
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);

/** Writes the page into `outDir` (created if missing); resolves with the files written. */
export async function buildWeb(outDir = fileURLToPath(new URL('dist/web/', root))) {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [fileURLToPath(new URL('web/main.ts', root))],
    outfile: `${outDir}/demo.js`,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const name of ['index.html', 'demo.css']) {
    await copyFile(fileURLToPath(new URL(`web/${name}`, root)), `${outDir}/${name}`);
  }
  return ['index.html', 'demo.css', 'demo.js'].map((name) => `${outDir}/${name}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildWeb(process.argv[2]);
}

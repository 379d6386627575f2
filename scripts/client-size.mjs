// Size of the browser bundle of herald/client (src/client with src/sse), minified and gzipped, as an
// application bundler would ship it. Printed by `npm run build`; fails it past the 6 KB budget.
// The README quotes the first figure ("herald/client, everything", gzipped) as `formatKb` prints
// it; test/client/client-size.test.ts keeps the two equal.
// Usage: node scripts/client-size.mjs
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const BUDGET_BYTES = 6 * 1024;
const clientDir = fileURLToPath(new URL('../src/client/', import.meta.url));

/** The bundles measured: a label, and the names a module re-exports from herald/client. */
export const VARIANTS = {
  'herald/client, everything':
    'EventSource, SharedEventSource, hubUrl, timeOfEventId, reconnectDelayMs, ConnectionErrorEvent',
  'herald/client, EventSource only': 'EventSource',
};

/** Bundles a module that re-exports `names` from herald/client (tree-shaking drops the rest). */
async function bundle(names) {
  const result = await build({
    stdin: { contents: `export { ${names} } from './index.ts';`, resolveDir: clientDir, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error('esbuild produced no output');
  return output.contents;
}

/** `5.76 KB`: how the build prints a size, and how the README quotes it. */
export const formatKb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;

/** Each variant's label with its minified and gzipped (level 9) sizes in bytes, in `VARIANTS` order. */
export async function measureClient() {
  const sizes = [];
  for (const [label, names] of Object.entries(VARIANTS)) {
    const minified = await bundle(names);
    sizes.push({
      label,
      minifiedBytes: minified.length,
      gzippedBytes: gzipSync(minified, { level: 9 }).length,
    });
  }
  return sizes;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const { label, minifiedBytes, gzippedBytes } of await measureClient()) {
    const used = ((gzippedBytes / BUDGET_BYTES) * 100).toFixed(0);
    console.log(
      `${label}: ${formatKb(minifiedBytes)} minified, ${formatKb(gzippedBytes)} gzipped (${used}% of the 6 KB budget)`,
    );
    if (gzippedBytes > BUDGET_BYTES) {
      console.error(`${label} is over the 6 KB gzipped budget`);
      process.exitCode = 1;
    }
  }
}

// Size of the browser bundle of herald/client (src/client with src/sse), minified and gzipped, as an
// application bundler would ship it. Printed by `npm run build`; fails it past the 6 KB budget.
// Usage: node scripts/client-size.mjs
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const BUDGET_BYTES = 6 * 1024;
const clientDir = fileURLToPath(new URL('../src/client/', import.meta.url));

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

const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;
const variants = {
  'herald/client, everything':
    'EventSource, SharedEventSource, hubUrl, timeOfEventId, reconnectDelayMs, ConnectionErrorEvent',
  'herald/client, EventSource only': 'EventSource',
};
for (const [label, names] of Object.entries(variants)) {
  const minified = await bundle(names);
  const gzipped = gzipSync(minified, { level: 9 });
  const used = ((gzipped.length / BUDGET_BYTES) * 100).toFixed(0);
  console.log(
    `${label}: ${kb(minified.length)} minified, ${kb(gzipped.length)} gzipped (${used}% of the 6 KB budget)`,
  );
  if (gzipped.length > BUDGET_BYTES) {
    console.error(`${label} is over the 6 KB gzipped budget`);
    process.exitCode = 1;
  }
}

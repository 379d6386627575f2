/**
 * Size of the browser bundle of herald/client (`src/client/index.ts` with `src/sse`), minified and
 * gzipped, as an application bundler would ship it. Budget: 6 KB gzipped.
 *
 *   npx tsx bench/client-size.ts
 */
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const BUDGET_BYTES = 6 * 1024;

async function bundle(entryPoint: string): Promise<Uint8Array> {
  const result = await build({
    entryPoints: [entryPoint],
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

const entry = new URL('../src/client/index.ts', import.meta.url).pathname;
const minified = await bundle(entry);
const gzipped = gzipSync(minified, { level: 9 });
const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`;
console.log(`herald/client browser bundle: ${kb(minified.length)} minified, ${kb(gzipped.length)} gzipped`);
console.log(
  `budget ${kb(BUDGET_BYTES)} gzipped: ${((gzipped.length / BUDGET_BYTES) * 100).toFixed(0)}% used`,
);
if (gzipped.length > BUDGET_BYTES) process.exitCode = 1;

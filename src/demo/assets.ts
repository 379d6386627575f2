import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the page build writes; a file of any other type under the directory is never served. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** The built pages are a few hundred KB; anything far beyond that is not the demo. */
const MAX_TOTAL_BYTES = 16 * 1024 * 1024;
const MAX_FILES = 200;

export interface DemoAsset {
  body: Buffer;
  contentType: string;
}

/**
 * Where the built pages live: `dist/web/` beside the compiled `dist/http/`, or, when running from
 * the TypeScript sources, the build output of the repository (`dist/web/`).
 */
export function defaultDemoWebDir(): string | undefined {
  const candidates = [new URL('../web/', import.meta.url), new URL('../../dist/web/', import.meta.url)];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

/**
 * Reads the built pages once at start, keyed by their path below `webDir` with `/` separators
 * (`index.html`, `assets/lab-1a2b.js`): requests never touch the disk, and a request path can
 * only name a file that was there at start.
 */
export function loadDemoAssets(webDir: string | undefined): Map<string, DemoAsset> {
  const assets = new Map<string, DemoAsset>();
  if (webDir === undefined || !existsSync(webDir)) return assets;
  let totalBytes = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        visit(path);
        continue;
      }
      const contentType = CONTENT_TYPES[extname(entry.name)];
      if (!entry.isFile() || contentType === undefined) continue;
      totalBytes += statSync(path).size;
      if (assets.size >= MAX_FILES || totalBytes > MAX_TOTAL_BYTES) {
        throw new Error(
          `the demo directory holds more than ${MAX_FILES} files or 16 MB: is it the built page?`,
        );
      }
      assets.set(relative(webDir, path).split(sep).join('/'), { body: readFileSync(path), contentType });
    }
  };
  visit(webDir);
  return assets;
}

/**
 * The asset a request path names: `/` is `index.html`, `/chat` is `chat.html` (the pages), and
 * `/demo/…` is a file of the build (its scripts, styles and images; the pages' own URLs are the
 * short ones).
 */
export function findDemoAsset(assets: Map<string, DemoAsset>, path: string): DemoAsset | undefined {
  if (path === '/') return assets.get('index.html');
  if (path.startsWith('/demo/')) {
    const name = path.slice('/demo/'.length);
    return name.endsWith('.html') ? undefined : assets.get(name);
  }
  const page = path.slice(1);
  return /^[a-z][a-z0-9-]*$/.test(page) ? assets.get(`${page}.html`) : undefined;
}

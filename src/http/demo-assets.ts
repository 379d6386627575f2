import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The files `scripts/build-web.mjs` writes; nothing else under the directory is ever served. */
const ASSET_TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'demo.js': 'text/javascript; charset=utf-8',
  'demo.css': 'text/css; charset=utf-8',
};

export interface DemoAsset {
  body: Buffer;
  contentType: string;
}

/**
 * Where the built page lives: `dist/web/` beside the compiled `dist/http/`, or, when running from
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
 * Reads the page once at start (a few hundred KB at most): requests never touch the disk, and a
 * request path can never name a file outside the fixed list.
 */
export function loadDemoAssets(webDir: string | undefined): Map<string, DemoAsset> {
  const assets = new Map<string, DemoAsset>();
  if (webDir === undefined) return assets;
  const dir = webDir.endsWith('/') ? webDir : `${webDir}/`;
  for (const [name, contentType] of Object.entries(ASSET_TYPES)) {
    if (existsSync(`${dir}${name}`)) assets.set(name, { body: readFileSync(`${dir}${name}`), contentType });
  }
  return assets;
}

/**
 * The fenced code blocks of docs/learn/*.md and what each says it is. Every block is preceded by a
 * marker comment, one of:
 *   <!-- from examples/learn/raw-sse-server.ts#server -->   a copy of that file's marked region
 *   <!-- checked: raw-curl -->                              compared with a real run by the checker of that name
 * A region is the text between `// #region NAME` and `// #endregion NAME` lines, without them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const LEARN_DIR = join(ROOT, 'docs/learn');

export type BlockMarker = { kind: 'from'; file: string; region: string } | { kind: 'checked'; key: string };

export interface DocBlock {
  /** The page's file name, e.g. `sse-from-the-bytes-up.md`. */
  page: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  /** The block's text, each line ending in "\n". */
  text: string;
  marker: BlockMarker | undefined;
}

const FENCE = /^(`{3,})([\w-]*)\s*$/;
const FROM = /^<!-- from (examples\/[\w./-]+\.ts)#([\w-]+) -->$/;
const CHECKED = /^<!-- checked: ([\w-]+) -->$/;

export function learnPages(): string[] {
  return readdirSync(LEARN_DIR)
    .filter((name) => name.endsWith('.md'))
    .sort();
}

export function blocksOf(page: string): DocBlock[] {
  const lines = readFileSync(join(LEARN_DIR, page), 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (open === null) continue;
    const fence = open[1] ?? '```';
    let end = i + 1;
    while (end < lines.length && lines[end] !== fence) end++;
    if (end >= lines.length) throw new Error(`${page}:${i + 1}: unclosed code block`);
    const body = lines.slice(i + 1, end);
    let previous = i - 1;
    while (previous >= 0 && (lines[previous] ?? '').trim() === '') previous--;
    blocks.push({
      page,
      line: i + 1,
      lang: open[2] ?? '',
      text: body.map((line) => `${line}\n`).join(''),
      marker: markerOf(lines[previous] ?? ''),
    });
    i = end;
  }
  return blocks;
}

function markerOf(line: string): BlockMarker | undefined {
  const from = FROM.exec(line);
  if (from) return { kind: 'from', file: from[1] ?? '', region: from[2] ?? '' };
  const checked = CHECKED.exec(line);
  if (checked) return { kind: 'checked', key: checked[1] ?? '' };
  return undefined;
}

/** The text between `// #region NAME` and `// #endregion NAME` of `file` (relative to the repository). */
export function regionOf(file: string, region: string): string {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const start = lines.findIndex((line) => line.trim() === `// #region ${region}`);
  const end = lines.findIndex((line, index) => index > start && line.trim() === `// #endregion ${region}`);
  if (start < 0 || end < 0) throw new Error(`${file}: no region "${region}"`);
  return lines
    .slice(start + 1, end)
    .map((line) => `${line}\n`)
    .join('');
}

/** The one block of `page` marked `<!-- checked: KEY -->`. */
export function checkedBlock(page: string, key: string): DocBlock {
  const found = blocksOf(page).filter(
    (block) => block.marker?.kind === 'checked' && block.marker.key === key,
  );
  if (found.length !== 1) throw new Error(`${page}: ${found.length} blocks marked "checked: ${key}"`);
  return found[0]!;
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface ClientSizeModule {
  BUDGET_BYTES: number;
  formatKb(bytes: number): string;
  measureClient(): Promise<{ label: string; minifiedBytes: number; gzippedBytes: number }[]>;
}

const README = new URL('../../README.md', import.meta.url);

describe('the client size quoted in the README', () => {
  it('is the figure the build prints for the whole client, gzipped, within the 6 KB budget', async () => {
    // A variable specifier: the script is plain JavaScript without type declarations.
    const script = new URL('../../scripts/client-size.mjs', import.meta.url).href;
    const { BUDGET_BYTES, formatKb, measureClient } = (await import(script)) as ClientSizeModule;
    const [everything] = await measureClient();
    expect(everything?.label).toBe('herald/client, everything');
    const quoted = /with no dependencies \((\d+\.\d\d KB) gzipped, all of it/.exec(
      readFileSync(README, 'utf8'),
    );
    expect(quoted, 'the README names the gzipped size of herald/client').not.toBeNull();
    expect(quoted?.[1]).toBe(formatKb(everything?.gzippedBytes ?? 0));
    expect(everything?.gzippedBytes).toBeLessThanOrEqual(BUDGET_BYTES);
  }, 30_000);
});

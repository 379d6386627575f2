import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * Starts V8's CPU profiler in this process when `file` is given; the returned function stops it
 * and writes the profile there (open it in Chrome DevTools, or read it with top-frames.ts). With
 * no file both are no-ops, so a benchmark can always call them.
 */
export async function startCpuProfile(file: string | undefined): Promise<() => Promise<void>> {
  if (!file) return async () => {};
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

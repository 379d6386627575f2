/**
 * What the guides' shell transcripts would print if run now: each starts the example on port 0,
 * reads its bytes as curl does, and stops after a few events, as the reader who types ^C.
 * Only what varies from run to run (a Date header, generated ids, the hub's tick numbers) is
 * normalized, in the guide's text and in the real output alike.
 */
import { hasEvents, type RawResponse, readRaw } from './raw-http.js';

export interface Server {
  url: string;
  close: () => Promise<void>;
}

/** Keeps the body up to the end of its `count`-th event that carries an id. */
export function firstEvents(body: string, count: number): string {
  let seen = 0;
  let end = 0;
  for (const block of body.split('\n\n')) {
    end += block.length + 2;
    if (/^id:/m.test(block) && ++seen === count) break;
  }
  return body.slice(0, end);
}

/** `$ command`, then what curl prints (with `-i`: the head and a blank line), then `^C`. */
export function transcript(command: string, response: RawResponse, count: number, withHead: boolean): string {
  const head = withHead ? `${response.head}\n` : '';
  return `$ ${command}\n${head}${firstEvents(response.body, count)}^C\n`;
}

/** `hubTicks`: the hub's ticks start wherever its timer is when the subscriber joins. */
export function normalize(text: string, hubTicks = false): string {
  const normalized = text
    .replace(/^Date: .*$/gm, 'Date: <date>')
    .replace(
      /urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g,
      'urn:uuid:<uuidv7>',
    );
  return hubTicks ? normalized.replace(/^data: tick \d+$/gm, 'data: tick <n>') : normalized;
}

/** Runs `command`'s equivalent against `server` and returns its transcript. */
export async function run(
  server: Server,
  command: string,
  path: string,
  options: { count: number; withHead: boolean; headers?: Record<string, string> },
): Promise<string> {
  try {
    const response = await readRaw(`${server.url}${path}`, hasEvents(options.count), options.headers);
    return transcript(command, response, options.count, options.withHead);
  } finally {
    await server.close();
  }
}

import { parseArgs } from 'node:util';
import { ConfigError } from './config.js';
import type { CommandHelp } from './help.js';

/** `herald publish`'s flags: the parser's table, which `herald publish --help` lists too. */
export const PUBLISH_OPTIONS = {
  topic: { type: 'string', multiple: true },
  data: { type: 'string' },
  url: { type: 'string' },
  jwt: { type: 'string' },
  private: { type: 'boolean' },
  id: { type: 'string' },
  type: { type: 'string' },
  retry: { type: 'string' },
  at: { type: 'string' },
  local: { type: 'string' },
  tz: { type: 'string' },
  disambiguation: { type: 'string' },
  rrule: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The publish flags that also read an environment variable. */
export const PUBLISH_ENV: Record<string, string[]> = {
  url: ['HERALD_URL'],
  jwt: ['HERALD_JWT'],
};

export const PUBLISH_HELP: CommandHelp<typeof PUBLISH_OPTIONS> = {
  usage: 'herald publish --url URL --topic T [--data D] [--jwt TOKEN] [options]',
  summary:
    'Publishes one update to a hub (POST, form-encoded) and prints the event id. A URL without a path gets /.well-known/mercure.',
  options: PUBLISH_OPTIONS,
  env: PUBLISH_ENV,
  flags: {
    topic: { arg: 'TOPIC', text: "The update's topic (the first is its canonical IRI)" },
    data: { arg: 'DATA', text: "The update's content" },
    url: {
      arg: 'URL',
      text: 'The hub, e.g. http://localhost:3000 or https://hub.example/.well-known/mercure (required)',
    },
    jwt: { arg: 'TOKEN', text: 'Publisher JWT (e.g. from herald token --publish TOPIC)' },
    private: { text: 'Deliver only to subscribers authorized for the topic' },
    id: { arg: 'ID', text: 'Event id (default: the hub makes one); reuse it to retry safely' },
    type: { arg: 'TYPE', text: 'SSE event type' },
    retry: { arg: 'MS', text: 'SSE reconnection delay' },
    at: { arg: 'RFC3339', text: 'Deliver at this instant (scheduled delivery)' },
    local: { arg: 'YYYY-MM-DDTHH:MM[:SS]', text: 'Deliver at this wall-clock time in --tz' },
    tz: { arg: 'IANA_ZONE', text: 'Time zone of --local, e.g. Europe/Paris' },
    disambiguation: {
      arg: 'POLICY',
      text: 'compatible|earlier|later|reject: a --local time skipped or repeated by DST',
    },
    rrule: { arg: 'RRULE', text: 'Repeat the delivery (RFC 5545 RRULE)' },
    json: { text: 'Ask for a JSON answer' },
  },
  notes: ['Scheduled delivery (--at, --local, --tz, --rrule): docs/time.md.'],
};

const nonEmpty = (value: string | undefined) => (value === '' ? undefined : value);

/**
 * The publish endpoint from `--url`/HERALD_URL: required (no silent default port), and a base URL
 * (no path, or `/`) gets the hub path, since POSTing to the site root would be answered by
 * something else entirely.
 */
export function hubUrl(raw: string | undefined): string {
  if (raw === undefined) {
    throw new ConfigError(
      'no hub URL: pass --url URL or set HERALD_URL (e.g. http://localhost:3000/.well-known/mercure)',
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`--url (HERALD_URL) is not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`--url (HERALD_URL) must be http:// or https://, got ${url.protocol}`);
  }
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/.well-known/mercure';
  return url.toString();
}

/** Command-line flag → publish form field (Herald's delivery-time extension). */
const DELIVERY_FLAGS = [
  ['at', 'deliver_at'],
  ['local', 'deliver_local'],
  ['tz', 'deliver_tz'],
  ['disambiguation', 'deliver_disambiguation'],
  ['rrule', 'deliver_rrule'],
] as const;

/**
 * `herald publish --topic T --data D [--url URL] [--jwt TOKEN] [--private] [--id ID] [--type TYPE]
 * [--retry MS] [--at RFC3339 | --local YYYY-MM-DDTHH:MM --tz ZONE] [--disambiguation POLICY]
 * [--rrule RULE] [--json]`. The delivery flags become the `deliver_*` form fields (docs/time.md);
 * the hub resolves them, so the CLI never guesses a zone or parses a date itself.
 */
export async function publishCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: PUBLISH_OPTIONS,
    strict: true,
  });
  const url = hubUrl(values.url ?? nonEmpty(env['HERALD_URL']));
  const token = values.jwt ?? nonEmpty(env['HERALD_JWT']);
  const form = new URLSearchParams();
  for (const topic of values.topic ?? []) form.append('topic', topic);
  if (values.data !== undefined) form.set('data', values.data);
  if (values.private) form.set('private', 'on');
  if (values.id !== undefined) form.set('id', values.id);
  if (values.type !== undefined) form.set('type', values.type);
  if (values.retry !== undefined) form.set('retry', values.retry);
  for (const [flag, field] of DELIVERY_FLAGS) {
    const value = values[flag];
    if (value !== undefined) form.set(field, value);
  }
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(values.json ? { accept: 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: form.toString(),
  });
  const text = await response.text();
  if (!response.ok) {
    process.stderr.write(`publish failed: ${response.status} ${text}\n`);
    return 1;
  }
  process.stdout.write(`${text}\n`);
  return 0;
}

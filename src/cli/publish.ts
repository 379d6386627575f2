import { parseArgs } from 'node:util';

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
    options: {
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
    },
    strict: true,
  });
  const url = values.url ?? env['HERALD_URL'] ?? 'http://127.0.0.1:3000/.well-known/mercure';
  const token = values.jwt ?? env['HERALD_JWT'];
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

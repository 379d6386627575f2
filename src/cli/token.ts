import { parseArgs } from 'node:util';
import { mintToken, TokenMintError } from '../hub/index.js';
import { ConfigError } from './config.js';
import type { CommandHelp } from './help.js';

/** `herald token`'s flags: the parser's table, which `herald token --help` lists too. */
export const TOKEN_OPTIONS = {
  'jwt-key': { type: 'string' },
  alg: { type: 'string' },
  publish: { type: 'string', multiple: true },
  subscribe: { type: 'string', multiple: true },
  version: { type: 'string' },
  issuer: { type: 'string' },
  resource: { type: 'string' },
  'expires-in': { type: 'string' },
  'allow-no-expiry': { type: 'boolean' },
  sub: { type: 'string' },
} as const;

export const TOKEN_ENV: Record<string, string[]> = {
  'jwt-key': ['HERALD_JWT_KEY'],
  issuer: ['HERALD_ISSUER'],
  resource: ['HERALD_RESOURCE'],
};

export const TOKEN_HELP: CommandHelp<typeof TOKEN_OPTIONS> = {
  usage: 'herald token --jwt-key KEY [--publish TOPIC]... [--subscribe TOPIC]... [options]',
  summary:
    'Mints a development JWT for a hub and prints only the token. Not an authorization server: anyone holding the key can mint any right.',
  options: TOKEN_OPTIONS,
  env: TOKEN_ENV,
  flags: {
    'jwt-key': {
      arg: 'KEY',
      text: "The hub's key: an HMAC secret, or a PEM private key (inline or @file) with --alg",
    },
    alg: { arg: 'ALG', text: 'JWS algorithm (default HS256 for a secret; required with a PEM key)' },
    publish: { arg: 'TOPIC', text: 'May publish to TOPIC (* for any)' },
    subscribe: { arg: 'TOPIC', text: 'May subscribe to TOPIC, and receive its private updates (* for any)' },
    version: {
      arg: 'legacy|draft-08',
      text: 'legacy (default): mercure.publish/subscribe claims; draft-08: typ at+jwt with authorization_details',
    },
    issuer: { arg: 'ISS', text: 'draft-08: the iss claim (the hub’s --issuer)' },
    resource: { arg: 'URL', text: 'draft-08: the aud claim (the hub’s --resource)' },
    'expires-in': {
      arg: 'DURATION',
      text: 'Lifetime: N followed by s, m, h or d (default 1h); never (legacy only) needs --allow-no-expiry',
    },
    'allow-no-expiry': { text: 'Allow --expires-in never: a token valid until the key changes' },
    sub: { arg: 'SUBJECT', text: 'The sub claim (the subscriber id in subscription events)' },
  },
  notes: [
    'Examples:',
    "  herald token --jwt-key 'secret' --publish '*'",
    "  herald token --jwt-key 'secret' --version draft-08 --issuer https://app.example \\",
    "    --resource https://hub.example/.well-known/mercure --subscribe 'https://example.com/books/{id}'",
  ],
};

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `1h`, `30m`, `90s`, `7d`, or a bare number of seconds. */
export function parseDuration(raw: string): number {
  const match = /^([0-9]+)([smhd]?)$/.exec(raw);
  if (match === null) {
    throw new ConfigError(
      `--expires-in must be a number followed by s, m, h or d (e.g. 1h), got ${JSON.stringify(raw)}`,
    );
  }
  return Number(match[1]) * (UNITS[match[2] || 's'] ?? 1);
}

/** `herald token …`: prints the token alone on stdout, so `JWT=$(herald token …)` works. */
export async function tokenCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args: argv, options: TOKEN_OPTIONS, strict: true });
  const fromEnv = (name: string) => TOKEN_ENV[name]?.map((key) => env[key]).find((value) => value);
  const key = values['jwt-key'] ?? fromEnv('jwt-key');
  if (key === undefined || key === '') {
    throw new ConfigError('no signing key: pass --jwt-key KEY or set HERALD_JWT_KEY (the hub’s --jwt-key)');
  }
  const rawExpiry = values['expires-in'] ?? '1h';
  if (rawExpiry === 'never' && !values['allow-no-expiry']) {
    throw new ConfigError(
      '--expires-in never makes a token valid until the key changes: add --allow-no-expiry',
    );
  }
  const version = values.version ?? 'legacy';
  if (version !== 'legacy' && version !== 'draft-08') {
    throw new ConfigError(`--version must be legacy or draft-08, got ${JSON.stringify(version)}`);
  }
  const token = await mintToken({
    key,
    alg: values.alg,
    publish: values.publish,
    subscribe: values.subscribe,
    version,
    // The hub's HERALD_ISSUER/HERALD_RESOURCE only matter to a draft-08 token.
    issuer: values.issuer ?? (version === 'draft-08' ? fromEnv('issuer') : undefined),
    resource: values.resource ?? (version === 'draft-08' ? fromEnv('resource') : undefined),
    expiresInSec: rawExpiry === 'never' ? 'never' : parseDuration(rawExpiry),
    sub: values.sub,
  }).catch((error: unknown) => {
    throw error instanceof TokenMintError ? new ConfigError(error.message) : error;
  });
  process.stdout.write(`${token}\n`);
  return 0;
}

import { SERVE_ENV, SERVE_OPTIONS } from './config.js';
import { RELOADABLE_OPTIONS } from './reload.js';

/**
 * Help text for every command, rendered from the same option tables the parsers use, so a flag
 * cannot exist without being listed (the `Record` over the table's keys makes a missing description
 * a type error) nor be listed without existing.
 */

/** A `parseArgs` option table, as each command declares it. */
export type OptionTable = Readonly<
  Record<
    string,
    { readonly type: 'string' | 'boolean'; readonly multiple?: boolean; readonly short?: string }
  >
>;

/** A flag's help: its value's placeholder (string flags) and one line saying what it does. */
export interface FlagHelp {
  readonly arg?: string;
  readonly text: string;
}

export interface CommandHelp<T extends OptionTable> {
  readonly usage: string;
  readonly summary: string;
  readonly options: T;
  readonly flags: { readonly [K in keyof T]: FlagHelp };
  /** Each flag's environment variables, first one wins. */
  readonly env: Readonly<Record<string, readonly string[]>>;
  readonly notes?: readonly string[];
}

export function renderHelp<T extends OptionTable>(help: CommandHelp<T>): string {
  const rows = Object.keys(help.options).map((name) => {
    const option = help.options[name]!;
    const flag = help.flags[name as keyof T];
    const arg = option.type === 'string' ? ` ${flag.arg ?? 'VALUE'}` : '';
    const short = option.short === undefined ? '' : `-${option.short}, `;
    const left = `  ${short}--${name}${arg}`;
    const repeat = option.multiple ? ' (repeatable)' : '';
    const env = help.env[name];
    const envText = env === undefined || env.length === 0 ? '' : ` [env: ${env.join(', ')}]`;
    return { left, right: `${flag.text}${repeat}${envText}` };
  });
  rows.push({ left: '  -h, --help', right: 'Print this help and exit' });
  const width = Math.max(...rows.map((row) => row.left.length)) + 2;
  const lines = [
    `Usage: ${help.usage}`,
    '',
    help.summary,
    '',
    'Options:',
    ...rows.map((row) => `${row.left.padEnd(width)}${row.right}`),
  ];
  if (help.notes !== undefined && help.notes.length > 0) lines.push('', ...help.notes);
  return `${lines.join('\n')}\n`;
}

/** `herald --help`: the commands and where to read more. */
export const MAIN_HELP = `Usage: herald <command> [options]

Commands:
  serve      Run the Mercure hub (SSE subscriptions, publishing, history)
  publish    Publish an update to a hub (POST /.well-known/mercure)
  token      Mint a development JWT for publishing and subscribing
  help       Print this help, or a command's: herald help <command>

Options:
  -h, --help       Print help (herald <command> --help for a command's flags)
  -v, --version    Print the version and exit
`;

/** True when `argv` asks for help: `--help` or `-h` anywhere before a `--` terminator. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/** `text` cut at spaces into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** `herald serve --help`. */
export const SERVE_HELP: CommandHelp<typeof SERVE_OPTIONS> = {
  usage: 'herald serve [options]',
  summary:
    'Runs a Mercure hub (0.x and draft-08) until SIGTERM/SIGINT; SIGHUP reloads its configuration. A flag wins over its environment variables, which win over the --config file.',
  options: SERVE_OPTIONS,
  env: SERVE_ENV,
  flags: {
    port: { arg: 'PORT', text: 'Port to listen on (default 3000; 0 picks a free one)' },
    host: { arg: 'HOST', text: 'Address to listen on (default: all; 127.0.0.1 with --demo)' },
    store: {
      arg: 'URL',
      text: 'sqlite:./herald.db (default), memory, or redis://HOST:PORT/DB',
    },
    'jwt-key': {
      arg: 'KEY',
      text: 'Key verifying publishers and subscribers: an HMAC secret, a PEM (inline or @file), or @jwks.json',
    },
    'publisher-jwt-key': { arg: 'KEY', text: "Publishers' key (instead of --jwt-key)" },
    'subscriber-jwt-key': { arg: 'KEY', text: "Subscribers' key (instead of --jwt-key)" },
    'jwks-url': {
      arg: 'URL',
      text: 'JWK Set URL trusted for both roles, with the keys above (https:, or http: on loopback); refetched on an unknown kid',
    },
    'publisher-jwks-url': { arg: 'URL', text: "Publishers' JWK Set URL (instead of --jwks-url)" },
    'subscriber-jwks-url': { arg: 'URL', text: "Subscribers' JWK Set URL (instead of --jwks-url)" },
    'jwt-alg': {
      arg: 'ALG',
      text: 'Accepted JWS algorithm (default: HS256/384/512, EdDSA, ES256/384, RS256, PS256)',
    },
    anonymous: { text: 'Let subscribers without a token receive public updates' },
    'cors-origin': { arg: 'ORIGIN', text: 'Allowed CORS origin (* for any)' },
    resource: {
      arg: 'URL',
      text: "The hub's resource identifier: the aud of draft-08 tokens (needs --issuer)",
    },
    issuer: { arg: 'ISS', text: 'The iss of the draft-08 tokens signed with the JWT key(s)' },
    'require-exp': { text: 'Refuse tokens without exp (0.x tokens may omit it; draft-08 ones never do)' },
    'hub-url': { arg: 'URL', text: 'Public URL of the hub, used in discovery and subscription events' },
    'max-body-bytes': { arg: 'N', text: 'Largest publish request body' },
    'max-connections': { arg: 'N', text: 'Most concurrent subscriber connections' },
    'max-connections-per-ip': { arg: 'N', text: 'Most concurrent subscriber connections per client address' },
    'trust-proxy': {
      arg: 'PROXIES',
      text: 'Proxies (addresses, CIDRs, loopback; comma-separated) whose Forwarded / X-Forwarded-For name the client',
    },
    'publish-rate': {
      arg: 'N',
      text: 'Publishes per second per token sub and per client address; past it 429 + Retry-After (default: no limit)',
    },
    'publish-burst': {
      arg: 'N',
      text: 'Publishes at once before --publish-rate applies (default: max(1, 2 x rate))',
    },
    'heartbeat-ms': { arg: 'MS', text: 'Interval of SSE keep-alive comments' },
    'flush-delay-ms': {
      arg: 'MS',
      text: 'Coalescing window for SSE writes (fewer writes, up to this latency)',
    },
    'max-connection-lifetime': {
      arg: 'MS',
      text: 'End SSE streams after this long (+ up to 10% jitter); clients resume (default: never)',
    },
    'access-log': { text: 'Log one line per finished request (path without query, status, duration)' },
    subscriptions: { text: 'Enable the subscriptions API and subscription events' },
    'log-level': {
      arg: 'LEVEL',
      text: 'Log level: trace, debug, info (default), warn, error, fatal, silent',
    },
    'tls-cert': { arg: 'FILE', text: 'PEM certificate: serve HTTPS and HTTP/2 (with --tls-key)' },
    'tls-key': { arg: 'FILE', text: 'PEM private key (with --tls-cert)' },
    demo: {
      text: 'Local demo: page at /, demo tokens, anonymous subscribers; refused when NODE_ENV=production',
    },
    'authorization-server': {
      arg: 'URL',
      text: 'Authorization server advertised in the protected resource metadata',
    },
    'history-max-events': { arg: 'N', text: 'Keep at most this many events' },
    'history-max-age-ms': { arg: 'MS', text: 'Drop events older than this' },
    'sqlite-synchronous': { arg: 'FULL|NORMAL', text: 'SQLite durability (default FULL)' },
    'redis-key-prefix': { arg: 'P', text: 'Prefix of every Redis key (default herald:)' },
    workers: { arg: 'N|auto', text: 'Hub processes on one port (more than 1 needs a redis:// store)' },
    'admin-port': {
      arg: 'PORT',
      text: 'Serve /metrics, /healthz and /readyz on this port instead of the public one (0 picks a free one)',
    },
    'admin-host': { arg: 'HOST', text: 'Address of the admin listener (default 127.0.0.1)' },
    'public-metrics': {
      text: 'With --admin-port, keep /metrics, /healthz and /readyz on the public port too',
    },
    config: {
      arg: 'FILE',
      text: 'JSON file of options named as the long flags ({"max-connections-per-ip": 100, "jwt-key": "@key.pem"}), read again on SIGHUP',
    },
  },
  notes: [
    'Precedence: flags, then environment variables, then the --config file, then the defaults.',
    'Reload: SIGHUP (kill -HUP <pid>; with --workers, to the primary) reads the configuration again,',
    'the --config file and the key and TLS files included, and applies it without closing open streams:',
    ...wrap(`${RELOADABLE_OPTIONS.map((name) => `--${name}`).join(', ')}.`, 96).map((line) => `  ${line}`),
    'Remote JWK Sets are fetched again. Any other change is logged as needing a restart; an invalid',
    'configuration is refused as a whole and the running one kept.',
  ],
};

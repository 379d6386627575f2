#!/usr/bin/env node
import { ConfigError } from './config.js';
import { publishCommand } from './publish.js';
import { serve } from './serve.js';

const USAGE = `Usage:
  herald serve [--port 3000] [--host H] [--store sqlite:./herald.db|memory|redis://HOST:PORT/DB] [--jwt-key K]
               [--publisher-jwt-key K] [--subscriber-jwt-key K] [--jwt-alg ALG]... [--anonymous]
               [--cors-origin ORIGIN]... [--resource URL] [--issuer ISS] [--hub-url URL]
               [--max-body-bytes N] [--max-connections N] [--max-connections-per-ip N]
               [--heartbeat-ms N] [--flush-delay-ms N] [--subscriptions] [--log-level info] [--authorization-server URL]...
               [--tls-cert FILE --tls-key FILE] [--demo] [--history-max-events N]
               [--history-max-age-ms N] [--sqlite-synchronous FULL|NORMAL] [--redis-key-prefix P]
               [--workers N|auto]   (N > 1: N hub processes on one port; needs a redis:// store)
  herald publish --topic T [--data D] [--url URL] [--jwt TOKEN] [--private] [--id ID] [--type TYPE]
                 [--retry MS] [--json]
                 [--at RFC3339 | --local YYYY-MM-DDTHH:MM[:SS] --tz IANA_ZONE [--disambiguation
                 compatible|earlier|later|reject]] [--rrule RRULE]   (scheduled delivery)
Every serve flag also reads HERALD_<FLAG> (and Mercure's variable names where they exist).`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'serve') return serve(rest, process.env);
  if (command === 'publish') {
    process.exitCode = await publishCommand(rest, process.env);
    return;
  }
  process.stderr.write(`${USAGE}\n`);
  process.exitCode = command === undefined || command === '--help' || command === 'help' ? 0 : 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const isUsage =
    error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`herald: ${(error as Error).message}\n`);
  process.exit(isUsage ? 2 : 1);
});

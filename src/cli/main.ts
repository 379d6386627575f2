#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { ConfigError } from './config.js';
import { type CommandHelp, MAIN_HELP, type OptionTable, renderHelp, SERVE_HELP, wantsHelp } from './help.js';
import { PUBLISH_HELP, publishCommand } from './publish.js';
import { serve } from './serve.js';
import { TOKEN_HELP, tokenCommand } from './token.js';

const HELP: Record<string, CommandHelp<OptionTable>> = {
  serve: SERVE_HELP,
  publish: PUBLISH_HELP,
  token: TOKEN_HELP,
};

/** The package's version, from the package.json two levels up (src/cli/ and dist/cli/ alike). */
function version(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(MAIN_HELP);
    return;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${version()}\n`);
    return;
  }
  if (command === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      process.stdout.write(MAIN_HELP);
      return;
    }
    const help = HELP[topic];
    if (help === undefined) throw new UsageError(`unknown command "${topic}"`);
    process.stdout.write(renderHelp(help));
    return;
  }
  const help = HELP[command];
  if (help === undefined) {
    throw new UsageError(
      command.startsWith('-') ? `unknown option "${command}"` : `unknown command "${command}"`,
    );
  }
  if (wantsHelp(rest)) {
    process.stdout.write(renderHelp(help));
    return;
  }
  if (command === 'serve') return serve(rest, process.env);
  if (command === 'publish') process.exitCode = await publishCommand(rest, process.env);
  if (command === 'token') process.exitCode = await tokenCommand(rest, process.env);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const code = (error as { code?: unknown }).code;
  const isParse = typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
  const isUsage = error instanceof ConfigError || error instanceof UsageError || isParse;
  process.stderr.write(`herald: ${(error as Error).message}\n`);
  if (error instanceof UsageError || isParse) {
    const [command] = process.argv.slice(2);
    const where = command !== undefined && command in HELP ? `herald ${command} --help` : 'herald --help';
    process.stderr.write(`Run \`${where}\` for usage.\n`);
  }
  process.exit(isUsage ? 2 : 1);
});

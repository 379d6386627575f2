import { cpus, loadavg } from 'node:os';

/** A GitHub-flavoured Markdown table: the format the bench scripts print to stdout. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** One line of context for a result: Node version, CPUs, and the load average when it ran (a shared machine shows here). */
export function machineLine(): string {
  const [one, five] = loadavg();
  return `node ${process.version}, ${cpus().length} CPUs, load average ${one?.toFixed(2)} (1 min) ${five?.toFixed(2)} (5 min)`;
}

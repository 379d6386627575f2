/**
 * Top self-time frames of a V8 CPU profile (`node --cpu-prof`), as a Markdown table.
 *
 *   node --import tsx bench/profile/top-frames.ts FILE.cpuprofile [--top 25]
 *
 * To profile the hub during a benchmark run, start it with the profiler:
 *   HERALD_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=bench/results/prof" npm run bench:fanout -- …
 * (the biggest file of the hub's pid is its main thread).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, ...rest] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: top-frames.ts FILE.cpuprofile [--top N]');
const topIndex = rest.indexOf('--top');
const top = topIndex >= 0 ? Number(rest[topIndex + 1]) : 25;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map<string, number>();
let totalUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]!);
  const deltaUs = profile.timeDeltas[i] ?? 0;
  if (node === undefined) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where =
    url === '' ? '' : ` ${url.replace(/^.*\/(src|dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;
  const key = `${functionName || '(anonymous)'}${where}`;
  selfUs.set(key, (selfUs.get(key) ?? 0) + deltaUs);
  totalUs += deltaUs;
}
const idleUs = selfUs.get('(idle)') ?? 0;
const busyUs = totalUs - idleUs;
console.log(`busy ${(busyUs / 1e6).toFixed(2)} s of ${(totalUs / 1e6).toFixed(2)} s sampled\n`);
console.log('| self % of busy | self ms | frame |\n|---:|---:|---|');
const rows = [...selfUs].filter(([key]) => key !== '(idle)').sort((a, b) => b[1] - a[1]);
for (const [key, us] of rows.slice(0, top)) {
  console.log(`| ${((100 * us) / busyUs).toFixed(1)} | ${(us / 1000).toFixed(0)} | \`${key}\` |`);
}

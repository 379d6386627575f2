/**
 * Reads a server's cost from Linux /proc: CPU time (utime + stime, in clock ticks) and resident
 * memory (VmRSS), summed over the process and its descendants (nginx runs a master and a worker;
 * a launcher may sit above node). Linux only, like the rest of the harness.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clockTicksPerSec: number | undefined;

/** CLK_TCK from `getconf` (almost always 100); /proc/PID/stat counts CPU time in these ticks. */
export function clockTicksPerSecond(): number {
  if (clockTicksPerSec === undefined) {
    const out = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const parsed = Number(out.trim());
    clockTicksPerSec = Number.isFinite(parsed) && parsed > 0 ? parsed : 100;
  }
  return clockTicksPerSec;
}

/** Fields after the `(comm)` of /proc/PID/stat; index 0 is field 3 (state). */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The process and all its descendants, found by walking parent ids in /proc. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const parent = Number(statFields(pid)?.[1]);
    if (!Number.isInteger(parent)) continue;
    const list = children.get(parent) ?? [];
    list.push(pid);
    children.set(parent, list);
  }
  const tree: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** The processes whose cost is a target's: its own tree and the trees of its helpers (Redis). */
export function targetProcesses(target: { pid: number; helperPids?: readonly number[] }): number[] {
  return [target.pid, ...(target.helperPids ?? [])].flatMap((pid) => processTree(pid));
}

/** utime + stime of the tree, in microseconds. */
export function cpuTimeUs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    if (fields === undefined) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1_000_000) / clockTicksPerSecond();
}

/** VmRSS of the tree, in bytes. */
export function rssBytes(pids: readonly number[]): number {
  let kib = 0;
  for (const pid of pids) {
    try {
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kib += Number(match?.[1] ?? 0);
    } catch {
      // the process is gone; it holds no memory
    }
  }
  return kib * 1024;
}

/** The soft (or hard) "Max open files" of a process (`self` for this one), or null if unreadable. */
export function openFileLimit(pid: number | 'self' = 'self', which: 'soft' | 'hard' = 'soft'): number | null {
  try {
    const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(
      readFileSync(`/proc/${pid}/limits`, 'utf8'),
    );
    if (match === null) return null;
    const value = which === 'soft' ? match[1] : match[2];
    return value === 'unlimited' ? Number.POSITIVE_INFINITY : Number(value);
  } catch {
    return null;
  }
}

import { readFileSync } from 'node:fs';
import { processes } from '../test/helpers/processes.ts';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on every platform Node supports. */
const CLK_TCK = 100;

export interface ProcStats {
  /** utime + stime of the process (all its threads), in seconds. */
  cpuSeconds: number;
  /** cutime + cstime: CPU of its children (and theirs) that it has waited for, in seconds. */
  childrenCpuSeconds: number;
  /** Resident set size (VmRSS), in MB (10^6 bytes). */
  rssMb: number;
}

/** CPU time and RSS of a live process, from /proc (Linux only). */
export function readProcStats(pid: number): ProcStats {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name, field 3 (state) is index 0, so utime (field 14) is index 11 and stime index 12.
  const ticks = Number(fields[11]) + Number(fields[12]);
  const childTicks = Number(fields[13]) + Number(fields[14]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return { cpuSeconds: ticks / CLK_TCK, childrenCpuSeconds: childTicks / CLK_TCK, rssMb: (rssKb * 1024) / 1e6 };
}

/** CPU use of a process over a window, as % of one core. */
export function cpuPercent(before: ProcStats, after: ProcStats, seconds: number): number {
  return ((after.cpuSeconds - before.cpuSeconds) / seconds) * 100;
}

/** The pids of `parent`'s children in state Z (exited, not yet waited for), from /proc. */
export function zombieChildren(parent: number): number[] {
  return children(parent, (state) => state === 'Z');
}

/** The pids of `parent`'s children whose state (R, S, Z…) `keep` accepts, from /proc. */
export function children(parent: number, keep: (state: string) => boolean): number[] {
  return processes()
    .filter((p) => p.ppid === parent && keep(p.state))
    .map((p) => p.pid);
}

/** A process's command line, arguments joined with spaces ('' once it is gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * Where a throughput run puts its two sides: the server under test alone on CPU 0, the load
 * generator on the others. Left to the scheduler, wrk and the server (and the bench's other
 * children) migrate between the two cores of this machine and land on the same one now and then;
 * the CPU per answer then swung from about 30 to 65 µs within one run, for bare node:http as much
 * as for the responder (BENCHMARKS.md, "Session 10"). The server's other work (pages, scrapes,
 * heartbeats) still runs in it, on its core: only the clients are kept off it.
 * Undefined when there is one CPU or no `taskset` (util-linux): the runs are then not pinned.
 */
export interface CpuPlan {
  server: string;
  load: string;
}

let known: { plan: CpuPlan | undefined } | undefined;

export function cpuPlan(): CpuPlan | undefined {
  known ??= { plan: findPlan() };
  return known.plan;
}

function findPlan(): CpuPlan | undefined {
  const cpus = availableParallelism();
  if (cpus < 2) return undefined;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return { server: '0', load: `1-${cpus - 1}` };
  } catch {
    return undefined;
  }
}

/** Pins every thread of a running process (threads it starts later inherit it); false when it could not. */
export function pinProcess(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Every CPU again, after a pinned run. */
export function unpinProcess(pid: number): void {
  pinProcess(pid, `0-${availableParallelism() - 1}`);
}

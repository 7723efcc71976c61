import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { children, commandLine, readProcStats, zombieChildren, type ProcStats } from './readProcStats.ts';
import { startDeadpool, waitForFirstRound, type ModuleProbeDef } from './startDeadpool.ts';
import { round, sleep } from './stats.ts';
import { watcherWindow } from './watcherWindow.ts';

/** How long a zombie at the end of the window must stay to count as left behind. */
const LEAK_CONFIRM_MS = 5000;

export interface ExecOptions {
  probes: number;
  periodS: number;
  warmupS: number;
  windowS: number;
}

export interface ExecResult extends ExecOptions {
  checksPerS: number;
  /** The watcher's own CPU, % of one core. */
  watcherCpuPercent: number;
  /**
   * Everything below it, % of one core: its exec helper's own CPU and the helper's reaped children
   * (the scripts), plus any child the watcher reaped itself (the scripts, before the helper).
   */
  childrenCpuPercent: number;
  /** Of which the exec helpers' own CPU (spawning and reaping the scripts), % of one core; 0 without a helper. */
  helperCpuPercent: number;
  /** Exec helpers running in the window. */
  helpers: number;
  /** The helpers' RSS at the end of the window, added up, MB; null without a helper. */
  helperRssMb: number | null;
  /** The watcher's RSS at the end of the window, MB. */
  watcherRssMb: number;
  /** Both, per check, µs. */
  cpuPerCheckUs: number;
  driftP50Ms: number | null;
  driftP99Ms: number | null;
  driftMaxMs: number | null;
  /** Zombie children of the watcher and of its helper: the most seen in one sample (every 50 ms), samples taken, and those left at the end. */
  zombiesMaxSeen: number;
  zombieSamples: number;
  /** The longest a zombie was seen (first to last sample holding its pid), ms: how late children are reaped. */
  zombieLongestMs: number;
  /** Zombies present at the end of the window and still there LEAK_CONFIRM_MS later: never reaped (a zombie exists for a moment between a child's exit and its reaping, longer while the watcher's event loop is busy). */
  zombiesAtEnd: number;
  /** The state file's age (now − written_at) at its oldest in the samples, ms: the watcher rewrites it every 0.5 s, and the responder fails closed once it is older than the smallest period + timeout + stale_grace (here 1 + 10 + 5 s). */
  stateAgeMaxMs: number;
  downAtEnd: number;
  reasons: string[];
}

/** The watcher's exec helpers (src/probe-kit/execHelper.js): none in code that spawns the scripts itself. */
function execHelpers(watcher: number): number[] {
  return children(watcher, (state) => state !== 'Z').filter((pid) => commandLine(pid).includes('execHelper.js'));
}

/** The helpers' stats added up. */
function sum(stats: ProcStats[]): ProcStats {
  return stats.reduce((a, b) => ({ cpuSeconds: a.cpuSeconds + b.cpuSeconds, childrenCpuSeconds: a.childrenCpuSeconds + b.childrenCpuSeconds, rssMb: a.rssMb + b.rssMb }), {
    cpuSeconds: 0,
    childrenCpuSeconds: 0,
    rssMb: 0,
  });
}

/**
 * `deadpool watcher` alone with N exec_probe probes running a two-line shell script. Over a window:
 * the watcher's CPU and its reaped children's (cutime + cstime grow as children are waited for),
 * its exec helper's (own, and its reaped children's: the scripts), drift from the state file, and
 * zombie children of the watcher and of the helper sampled every 50 ms.
 */
export async function measureExec(options: ExecOptions): Promise<ExecResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deadpool-bench-exec-'));
  const script = path.join(dir, 'ok.sh');
  await writeFile(script, '#!/bin/sh\nexit 0\n');
  await chmod(script, 0o755);
  const probes: ModuleProbeDef[] = Array.from({ length: options.probes }, (_, i) => ({ name: `e${i}`, module: 'exec_probe', period: options.periodS, query: `{ command: ['${script}'] }` }));
  const deadpool = await startDeadpool({ probes, web: false });
  try {
    const pid = deadpool.watcher!.pid;
    await waitForFirstRound(deadpool, options.probes, 120_000);
    await sleep(options.warmupS * 1000);
    let zombiesMaxSeen = 0;
    let zombieSamples = 0;
    const firstSeen = new Map<number, number>();
    let zombieLongestMs = 0;
    let stateAgeMaxMs = 0;
    const helpers = execHelpers(pid);
    const helperStats = (): ProcStats => sum(helpers.map(readProcStats));
    let h0 = sum([]);
    let h1 = sum([]);
    const zombies = (): number[] => [pid, ...helpers].flatMap(zombieChildren);
    const w = await watcherWindow(deadpool, {
      windowS: options.windowS,
      sampleEveryMs: 50,
      atStart: () => void (h0 = helperStats()),
      atEnd: () => void (h1 = helperStats()),
      sample: async () => {
        const state = await deadpool.readState();
        if (state) stateAgeMaxMs = Math.max(stateAgeMaxMs, Date.now() - state.written_at);
        zombieSamples++;
        const now = performance.now();
        const seen = zombies();
        zombiesMaxSeen = Math.max(zombiesMaxSeen, seen.length);
        for (const z of seen) {
          const since = firstSeen.get(z) ?? now;
          firstSeen.set(z, since);
          zombieLongestMs = Math.max(zombieLongestMs, now - since);
        }
      },
    });
    const watcherRssMb = readProcStats(pid).rssMb;
    const first = new Set(zombies());
    await sleep(Math.max(LEAK_CONFIRM_MS, 2 * options.periodS * 1000));
    const zombiesAtEnd = zombies().filter((z) => first.has(z)).length;
    const helperCpuSeconds = h1.cpuSeconds - h0.cpuSeconds;
    const belowCpuSeconds = w.childrenCpuSeconds + helperCpuSeconds + (h1.childrenCpuSeconds - h0.childrenCpuSeconds);
    return {
      ...options,
      checksPerS: w.checksPerS,
      watcherCpuPercent: round((w.cpuSeconds / w.seconds) * 100, 1),
      childrenCpuPercent: round((belowCpuSeconds / w.seconds) * 100, 1),
      helperCpuPercent: round((helperCpuSeconds / w.seconds) * 100, 1),
      helpers: helpers.length,
      helperRssMb: helpers.length === 0 ? null : round(h1.rssMb, 1),
      watcherRssMb: round(watcherRssMb, 1),
      cpuPerCheckUs: round(((w.cpuSeconds + belowCpuSeconds) / Math.max(1, w.checks)) * 1e6),
      driftP50Ms: w.driftP50Ms,
      driftP99Ms: w.driftP99Ms,
      driftMaxMs: w.driftMaxMs,
      zombiesMaxSeen,
      zombieSamples,
      zombieLongestMs: round(zombieLongestMs),
      zombiesAtEnd,
      stateAgeMaxMs: round(stateAgeMaxMs),
      downAtEnd: w.downAtEnd,
      reasons: w.reasons,
    };
  } finally {
    await deadpool.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

import type { WatcherState } from '../src/flag-store/watcherState.ts';
import { driftQuantile } from '../src/watcher/DriftHistogram.ts';
import { readProcStats } from './readProcStats.ts';
import type { Deadpool } from './startDeadpool.ts';
import { round, sleep } from './stats.ts';

export interface WindowOptions {
  windowS: number;
  /** Other processes whose CPU is taken over the same window: utime + stime, plus cutime + cstime (their reaped children's, e.g. PostgreSQL's per-connection backends). */
  others?: Record<string, number>;
  /** Called every `sampleEveryMs` during the window (zombies, connection counts…). */
  sample?: () => void | Promise<void>;
  sampleEveryMs?: number;
  /** Called right after the window's first and last CPU readings. */
  atStart?: () => void;
  atEnd?: () => void;
}

export interface WindowResult {
  seconds: number;
  /** Between the two state file writes the window's checks are counted from (≈ seconds). */
  stateSpanS: number;
  /** The watcher's own CPU (utime + stime), seconds. */
  cpuSeconds: number;
  /** CPU of the watcher's children it reaped during the window (cutime + cstime), seconds. */
  childrenCpuSeconds: number;
  /** Others' CPU over the same window (with their reaped children's), seconds. */
  othersCpuSeconds: Record<string, number>;
  /** Checks started in the window (the drift histogram's total, diffed). */
  checks: number;
  checksPerS: number;
  driftP50Ms: number | null;
  driftP99Ms: number | null;
  driftMaxMs: number | null;
  /** Probes failing or overdue at the end, and a few of their reasons. */
  downAtEnd: number;
  reasons: string[];
}

const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);

/**
 * The watcher's next state file write after `after` (epoch ms): the window's ends are taken at a
 * write, so that the checks it counts and the CPU read right after cover the same time.
 */
async function nextState(deadpool: Deadpool, after: number, timeoutMs = 60_000): Promise<WatcherState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await deadpool.readState();
    if (s?.drift && s.written_at > after) return s;
    if (Date.now() > deadline) throw new Error(`the watcher did not rewrite its state file within ${timeoutMs} ms`);
    await sleep(5);
  }
}

/**
 * One measurement window of a running watcher: its CPU (and its reaped children's, and other
 * processes'), from /proc, and its schedule drift from the state file's cumulative histogram,
 * diffed between the window's ends (as measureWatcherScale does).
 */
export async function watcherWindow(deadpool: Deadpool, options: WindowOptions): Promise<WindowResult> {
  const pid = deadpool.watcher!.pid;
  const others = Object.entries(options.others ?? {});
  const s0 = await nextState(deadpool, Date.now());
  const p0 = readProcStats(pid);
  const withChildren = (otherPid: number): number => {
    const p = readProcStats(otherPid);
    return p.cpuSeconds + p.childrenCpuSeconds;
  };
  const o0 = others.map(([, otherPid]) => withChildren(otherPid));
  const t0 = performance.now();
  options.atStart?.();
  const end = t0 + options.windowS * 1000;
  const every = options.sampleEveryMs ?? 1000;
  while (performance.now() < end) {
    await sleep(Math.max(0, Math.min(every, end - performance.now())));
    if (performance.now() < end) await options.sample?.();
  }
  const s1 = await nextState(deadpool, Date.now());
  const p1 = readProcStats(pid);
  const o1 = others.map(([, otherPid]) => withChildren(otherPid));
  const seconds = (performance.now() - t0) / 1000;
  options.atEnd?.();
  const counts = s1.drift!.counts.map((n, i) => n - (s0.drift!.counts[i] ?? 0));
  const checks = s1.drift!.total - s0.drift!.total;
  const failing = Object.values(s1.failing).filter((p) => p.state !== 'pending');
  return {
    seconds: round(seconds, 2),
    stateSpanS: round((s1.written_at - s0.written_at) / 1000, 2),
    cpuSeconds: p1.cpuSeconds - p0.cpuSeconds,
    childrenCpuSeconds: p1.childrenCpuSeconds - p0.childrenCpuSeconds,
    othersCpuSeconds: Object.fromEntries(others.map(([name], i) => [name, o1[i]! - o0[i]!])),
    checks,
    checksPerS: round(checks / Math.max(0.001, (s1.written_at - s0.written_at) / 1000)),
    driftP50Ms: finite(driftQuantile(counts, 0.5)),
    driftP99Ms: finite(driftQuantile(counts, 0.99)),
    driftMaxMs: finite(driftQuantile(counts, 1)),
    downAtEnd: failing.length,
    reasons: [...new Set(failing.map((p) => `${p.state}: ${p.reason}`))].slice(0, 3),
  };
}

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseWatcherState, STATE_FILE, type WatcherState } from '../src/flag-store/watcherState.ts';
import { driftQuantile } from '../src/watcher/DriftHistogram.ts';
import { forkServer } from './forkServer.ts';
import { cpuPercent, readProcStats } from './readProcStats.ts';
import { startDeadpool, waitForFirstRound, type ProbeDef } from './startDeadpool.ts';
import { round, sleep } from './stats.ts';
import { spawnChild } from './spawnChild.ts';
import { NODE_FLAGS } from '../src/cli/nodeFlags.ts';

export interface ScaleOptions {
  probes: number;
  periodS: number;
  warmupS: number;
  windowS: number;
  /** Then measure the same checks without the watcher (checkLoop.mjs), over a window as long. */
  withFloor?: boolean;
}

/** Section 5's checks without the watcher, right after it on the same backend. */
export interface CheckFloor {
  checksPerS: number;
  cpuPercent: number;
  cpuPerCheckUs: number;
  failures: number;
}

export interface ScaleResult extends ScaleOptions {
  /** From the start of the process to a first result for every probe. */
  firstRoundS: number;
  cpuPercent: number;
  backendCpuPercent: number;
  checksPerS: number;
  /** Bucket bounds (DriftHistogram); null past its last bucket, 1 s (JSON has no Infinity). */
  driftP50Ms: number | null;
  driftP99Ms: number | null;
  /** The upper bound of the highest bucket that holds a check of the window. */
  driftMaxMs: number | null;
  rssMb: number;
  rssMaxMb: number;
  /** Watcher CPU time per check (µs): the event loop's work for one check, start to result. */
  cpuPerCheckUs: number;
  /** From --trace-gc, main isolate, warm-up and window: the heap left after the last full GC (the live data) and the highest heap a full GC started from. */
  liveHeapMb: number | undefined;
  heapCommittedPeakMb: number | undefined;
  /** Probes down or overdue at the end of the window (the backend is healthy: any is a failed or late check). */
  downAtEnd: number;
  openFilesLimit: string;
  /** The state file at the end of the window, and what reading it costs a responder (CPU ms, median of 21 in the bench process). */
  stateFileKb: number;
  stateParseMs: number;
  /** Decoding every probe's last check, which only `/__health` and `deadpool status` ask for. */
  stateChecksDecodeMs: number;
  /** The same checks without the watcher, when asked for (`withFloor`). */
  floor?: CheckFloor;
}

const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** The median CPU time of `runs` calls of `work`. */
function medianCpuMs(work: () => unknown, runs = 21): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = cpuMs();
    work();
    times.push(cpuMs() - started);
  }
  return times.sort((a, b) => a - b)[runs >> 1]!;
}

/** Size of the state file as the watcher wrote it last, and the responder's cost of reading it. */
async function stateFileCost(folder: string): Promise<{ stateFileKb: number; stateParseMs: number; stateChecksDecodeMs: number }> {
  const text = await readFile(path.join(folder, STATE_FILE), 'utf8');
  return {
    stateFileKb: round(Buffer.byteLength(text) / 1000, 1),
    stateParseMs: round(medianCpuMs(() => parseWatcherState(text)), 2),
    stateChecksDecodeMs: round(medianCpuMs(() => parseWatcherState(text)?.checks) - medianCpuMs(() => parseWatcherState(text)), 2),
  };
}

/** Mark-Compact lines of `--trace-gc`, per isolate: `[pid:0xISOLATE] … Mark-Compact 158.9 (188.6) -> 21.3 (93.4) MB`. */
class GcTrace {
  #partial = '';
  #byIsolate = new Map<string, { gcs: number; live: number | undefined; committedPeak: number | undefined }>();

  feed(text: string): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      const isolate = /^\[\d+:(0x[0-9a-f]+)\]/.exec(line)?.[1];
      if (!isolate) continue;
      const known = this.#byIsolate.get(isolate) ?? { gcs: 0, live: undefined, committedPeak: undefined };
      known.gcs++;
      const m = /Mark-Compact[^\d]*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/.exec(line);
      if (m) {
        known.live = Number(m[3]);
        known.committedPeak = Math.max(known.committedPeak ?? 0, Number(m[2]));
      }
      this.#byIsolate.set(isolate, known);
    }
  }

  reset(): void {
    this.#byIsolate.clear();
  }

  /** The main isolate collects far more often than tsx's loader thread. */
  #main(): { live: number | undefined; committedPeak: number | undefined } | undefined {
    return [...this.#byIsolate.values()].sort((a, b) => b.gcs - a.gcs)[0];
  }

  liveMb(): number | undefined {
    return this.#main()?.live;
  }

  committedPeakMb(): number | undefined {
    return this.#main()?.committedPeak;
  }
}

const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);

function openFilesLimit(pid: number): string {
  const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return line ? `${line[1]} soft / ${line[2]} hard` : 'unknown';
}

/**
 * `deadpool watcher` alone with N url_probe probes against one local backend (a separate
 * process), every check a new connection. After a warm-up, over a window: the watcher's CPU
 * (utime + stime from /proc, % of one core), its RSS (VmRSS, at the end and the highest seen),
 * and schedule drift from the state file's cumulative histogram, diffed between the window's ends.
 */
export async function measureWatcherScale(options: ScaleOptions): Promise<ScaleResult> {
  const backend = await forkServer('backendServer.ts');
  const probes: ProbeDef[] = Array.from({ length: options.probes }, (_, i) => ({ name: `p${i}`, url: backend.url, period: options.periodS }));
  const started = performance.now();
  let result: ScaleResult;
  // --trace-gc prints one line per GC (a few a second): enough to tell live data from GC headroom.
  const deadpool = await startDeadpool({ probes, web: false, nodeArgs: ['--trace-gc'] });
  const gc = new GcTrace();
  deadpool.watcher!.process.stdout?.on('data', (data: Buffer) => gc.feed(data.toString()));
  try {
    const pid = deadpool.watcher!.pid;
    await waitForFirstRound(deadpool, options.probes, 180_000);
    const firstRoundS = (performance.now() - started) / 1000;
    gc.reset();
    await sleep(options.warmupS * 1000);
    const state = async (): Promise<WatcherState> => {
      for (;;) {
        const s = await deadpool.readState();
        if (s?.drift) return s;
        await sleep(20);
      }
    };
    const s0 = await state();
    const p0 = readProcStats(pid);
    const b0 = readProcStats(backend.child.pid);
    const t0 = performance.now();
    let rssMaxMb = p0.rssMb;
    const end = t0 + options.windowS * 1000;
    while (performance.now() < end) {
      await sleep(Math.min(1000, end - performance.now()));
      rssMaxMb = Math.max(rssMaxMb, readProcStats(pid).rssMb);
    }
    const p1 = readProcStats(pid);
    const b1 = readProcStats(backend.child.pid);
    const seconds = (performance.now() - t0) / 1000;
    const s1 = await state();
    const counts = s1.drift!.counts.map((n, i) => n - (s0.drift!.counts[i] ?? 0));
    const checks = s1.drift!.total - s0.drift!.total;
    result = {
      ...options,
      firstRoundS: round(firstRoundS, 1),
      cpuPercent: round(cpuPercent(p0, p1, seconds), 1),
      backendCpuPercent: round(cpuPercent(b0, b1, seconds), 1),
      checksPerS: round(checks / ((s1.written_at - s0.written_at) / 1000)),
      driftP50Ms: finite(driftQuantile(counts, 0.5)),
      driftP99Ms: finite(driftQuantile(counts, 0.99)),
      driftMaxMs: finite(driftQuantile(counts, 1)),
      rssMb: round(p1.rssMb, 1),
      rssMaxMb: round(Math.max(rssMaxMb, p1.rssMb), 1),
      cpuPerCheckUs: round(((p1.cpuSeconds - p0.cpuSeconds) / Math.max(1, checks)) * 1e6),
      liveHeapMb: gc.liveMb(),
      heapCommittedPeakMb: gc.committedPeakMb(),
      downAtEnd: Object.values(s1.failing).filter((p) => p.state !== 'pending').length,
      openFilesLimit: openFilesLimit(pid),
      ...(await stateFileCost(deadpool.folder)),
    };
  } finally {
    await deadpool.stop();
    if (!options.withFloor) await backend.child.stop();
  }
  if (!options.withFloor) return result;
  try {
    // The same checks at the same rate without the watcher, on the same backend, with the machine as the watcher had it.
    return { ...result, floor: await measureCheckFloor(backend.url, Math.round(result.checksPerS), options.warmupS, options.windowS) };
  } finally {
    await backend.child.stop();
  }
}

/**
 * url_probe's check at `rate` checks/s with nothing of the watcher around it (bench/checkLoop.mjs,
 * the watcher's Node flags): its CPU over a window after a warm-up, and per check.
 */
export async function measureCheckFloor(url: string, rate: number, warmupS: number, windowS: number): Promise<CheckFloor> {
  const child = spawnChild(process.execPath, [...NODE_FLAGS.watcher, path.join(import.meta.dirname, 'checkLoop.mjs'), url, String(rate)]);
  try {
    const deadline = performance.now() + 60_000;
    while (!child.output.includes('ready')) {
      if (performance.now() > deadline) throw new Error(`checkLoop.mjs did not get ready: ${child.output.slice(-300)}`);
      await sleep(100);
    }
    await sleep(warmupS * 1000);
    const c0 = readProcStats(child.pid);
    const t0 = performance.now();
    await sleep(windowS * 1000);
    const c1 = readProcStats(child.pid);
    const seconds = (performance.now() - t0) / 1000;
    return { checksPerS: rate, cpuPercent: round(cpuPercent(c0, c1, seconds), 1), cpuPerCheckUs: round(((c1.cpuSeconds - c0.cpuSeconds) / (rate * seconds)) * 1e6), failures: 0 };
  } finally {
    await child.stop();
    const failures = /failures (\d+)/.exec(child.output)?.[1];
    if (failures !== undefined && failures !== '0') throw new Error(`checkLoop.mjs: ${failures} checks failed against a healthy backend`);
  }
}

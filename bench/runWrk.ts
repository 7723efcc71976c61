import { fileURLToPath } from 'node:url';
import { readProcStats, type ProcStats } from './readProcStats.ts';
import { spawnChild } from './spawnChild.ts';

const SCRIPT = fileURLToPath(new URL('wrkReport.lua', import.meta.url));

export interface WrkOptions {
  url: string;
  connections: number;
  durationS: number;
  /** Sent with every request, e.g. `Authorization: Bearer …`. */
  headers?: readonly string[];
  /** Random delay in ms before each request of each connection: a steady rate instead of a flood. */
  delayMs?: readonly [number, number];
  /** A process whose CPU use over the run (% of one core) to report as `serverCpuPercent`: the server under load. */
  serverPid?: number;
  /** CPUs wrk may run on (taskset's list, e.g. `1-3`), away from a pinned server: see pinCpus.ts. */
  cpus?: string;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerS: number;
  /** Answers that were neither 2xx nor 3xx. */
  statusErrors: number;
  socketErrors: number;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  /** CPU use (% of one core) of wrk itself and of `serverPid`, sampled over the middle of the run. */
  wrkCpuPercent?: number;
  serverCpuPercent?: number;
}

export interface WrkRun {
  /** Resolves with wrk's summary once it ends (at its duration, or after stop()). */
  result: Promise<WrkResult>;
  /** Ends the run early (SIGINT: wrk still prints its summary). */
  stop(): void;
}

function parse(output: string): WrkResult {
  const line = /^WRK_JSON (.*)$/m.exec(output)?.[1];
  if (!line) throw new Error(`wrk printed no summary:\n${output}`);
  const r = JSON.parse(line) as Record<string, number>;
  const n = (key: string): number => r[key] ?? Number.NaN;
  const seconds = n('duration_us') / 1e6;
  return {
    requests: n('requests'),
    seconds,
    requestsPerS: n('requests') / seconds,
    statusErrors: n('status_errors'),
    socketErrors: n('connect_errors') + n('read_errors') + n('write_errors'),
    timeouts: n('timeouts'),
    latencyMs: { p50: n('p50_us') / 1000, p90: n('p90_us') / 1000, p99: n('p99_us') / 1000, p999: n('p999_us') / 1000, max: n('latency_max_us') / 1000, mean: n('latency_mean_us') / 1000 },
  };
}

/** Starts one wrk run: one thread (it leaves the other core to the server under test). */
export function startWrk(options: WrkOptions): WrkRun {
  const args = ['-t1', `-c${options.connections}`, `-d${options.durationS}s`, '--timeout', '5s', '-s', SCRIPT];
  for (const header of options.headers ?? []) args.push('-H', header);
  args.push(options.url);
  const env = { ...process.env };
  if (options.delayMs) {
    env['WRK_DELAY_MIN_MS'] = String(options.delayMs[0]);
    env['WRK_DELAY_MAX_MS'] = String(options.delayMs[1]);
  }
  const child = options.cpus === undefined ? spawnChild('wrk', args, { env }) : spawnChild('taskset', ['-c', options.cpus, 'wrk', ...args], { env });
  // CPU of wrk and of the server, from 0.5 s after the start to 0.3 s before the end.
  const usage: { wrk?: number; server?: number } = {};
  let first: { at: number; wrk: ProcStats; server?: ProcStats } | undefined;
  const sample = (): { at: number; wrk: ProcStats; server?: ProcStats } | undefined => {
    try {
      return { at: performance.now(), wrk: readProcStats(child.pid), ...(options.serverPid ? { server: readProcStats(options.serverPid) } : {}) };
    } catch {
      return undefined;
    }
  };
  const timers = options.durationS >= 2 && options.durationS < 600
    ? [
        setTimeout(() => (first = sample()), 500),
        setTimeout(() => {
          const last = sample();
          if (!first || !last) return;
          const seconds = (last.at - first.at) / 1000;
          usage.wrk = ((last.wrk.cpuSeconds - first.wrk.cpuSeconds) / seconds) * 100;
          if (first.server && last.server) usage.server = ((last.server.cpuSeconds - first.server.cpuSeconds) / seconds) * 100;
        }, options.durationS * 1000 - 300),
      ]
    : [];
  const result = child.exited.then((code) => {
    for (const timer of timers) clearTimeout(timer);
    if (code !== 0 && code !== 'SIGINT') throw new Error(`wrk exited with ${code}:\n${child.output}`);
    return { ...parse(child.output), ...(usage.wrk === undefined ? {} : { wrkCpuPercent: Math.round(usage.wrk) }), ...(usage.server === undefined ? {} : { serverCpuPercent: Math.round(usage.server) }) };
  });
  return { result, stop: () => child.process.kill('SIGINT') };
}

export function runWrk(options: WrkOptions): Promise<WrkResult> {
  return startWrk(options).result;
}

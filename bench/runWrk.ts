import { fileURLToPath } from 'node:url';
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
  const child = spawnChild('wrk', args, { env });
  const result = child.exited.then((code) => {
    if (code !== 0 && code !== 'SIGINT') throw new Error(`wrk exited with ${code}:\n${child.output}`);
    return parse(child.output);
  });
  return { result, stop: () => child.process.kill('SIGINT') };
}

export function runWrk(options: WrkOptions): Promise<WrkResult> {
  return startWrk(options).result;
}

import { alternate } from './alternate.ts';
import { runWrk } from './runWrk.ts';
import { median, round } from './stats.ts';

export interface FixedRateOptions {
  responderUrl: string;
  bareUrl: string;
  headers: readonly string[];
  rounds: number;
  secondsPerRun: number;
}

interface Side {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface FixedRateResult {
  connections: number;
  delayMs: readonly [number, number];
  rounds: { responder: Side; bare: Side }[];
  responder: { rps: number; p50Ms: number; p99Ms: number; worstP99Ms: number };
  bare: { rps: number; p50Ms: number; p99Ms: number; worstP99Ms: number };
}

/** 20 connections, each waiting 10-30 ms (mean 20 ms) before each request: about 1,000 requests/s. */
const CONNECTIONS = 20;
const DELAY_MS = [10, 30] as const;

/**
 * Latency at a steady 1,000 requests/s (Cloudflare sends a few per second; this is headroom),
 * responder and bare server alternately; medians over the rounds of each run's p50 and p99.
 */
export async function measureFixedRateLatency(options: FixedRateOptions): Promise<FixedRateResult> {
  const run = async (url: string): Promise<Side> => {
    const r = await runWrk({ url, connections: CONNECTIONS, durationS: options.secondsPerRun, headers: options.headers, delayMs: DELAY_MS });
    return { rps: round(r.requestsPerS), p50Ms: round(r.latencyMs.p50, 3), p99Ms: round(r.latencyMs.p99, 3), maxMs: round(r.latencyMs.max, 3) };
  };
  const pairs = await alternate(options.rounds, () => run(options.responderUrl), () => run(options.bareUrl));
  const summary = (sides: Side[]) => ({
    rps: round(median(sides.map((s) => s.rps))),
    p50Ms: round(median(sides.map((s) => s.p50Ms)), 3),
    p99Ms: round(median(sides.map((s) => s.p99Ms)), 3),
    worstP99Ms: round(Math.max(...sides.map((s) => s.p99Ms)), 3),
  });
  return {
    connections: CONNECTIONS,
    delayMs: DELAY_MS,
    rounds: pairs.map(({ a, b }) => ({ responder: a, bare: b })),
    responder: summary(pairs.map((p) => p.a)),
    bare: summary(pairs.map((p) => p.b)),
  };
}

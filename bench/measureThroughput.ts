import { alternate } from './alternate.ts';
import { cpuPlan, pinProcess, unpinProcess } from './pinCpus.ts';
import { runWrk, type WrkResult } from './runWrk.ts';
import { median, round } from './stats.ts';

export interface ThroughputOptions {
  /** The responder's URL and the bare server's. */
  responderUrl: string;
  bareUrl: string;
  /** Headers sent to both (the bare server ignores them: same request bytes on both sides). */
  headers: readonly string[];
  /** The two servers' processes, for their CPU use under load. */
  responderPid: number;
  barePid: number;
  connections: number;
  rounds: number;
  secondsPerRun: number;
}

export interface ThroughputResult {
  connections: number;
  secondsPerRun: number;
  rounds: {
    responderRps: number;
    bareRps: number;
    ratio: number;
    responderNon2xx: number;
    responderRequests: number;
    /** CPU (% of one core) of each server and of wrk during each side's run. */
    responderCpu?: number;
    bareCpu?: number;
    wrkCpuWithResponder?: number;
    wrkCpuWithBare?: number;
  }[];
  medianRatio: number;
  /** The CPUs of each side (pinCpus.ts), or undefined when the run was left to the scheduler. */
  pinned?: { server: string; load: string };
  medianResponderRps: number;
  medianBareRps: number;
  /** Medians over the rounds of the CPU use (% of one core) of each server and of wrk. */
  cpu: { responder: number; bare: number; wrk: number };
  /** Answers of the responder that were not 2xx/3xx, over all rounds, and all its answers. */
  responderNon2xx: number;
  responderRequests: number;
  socketErrors: number;
}

/**
 * Requests/s of the responder against a bare node:http server, same load from the same wrk,
 * `rounds` alternating pairs after a warm-up of each; the ratio is taken per round (both sides
 * of a round saw about the same machine) and the median of the ratios reported.
 */
export async function measureThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const plan = cpuPlan();
  const pinned = plan !== undefined && pinProcess(options.responderPid, plan.server) && pinProcess(options.barePid, plan.server) ? plan : undefined;
  const run = (url: string, durationS: number, serverPid: number): Promise<WrkResult> => runWrk({ url, connections: options.connections, durationS, headers: options.headers, serverPid, ...(pinned ? { cpus: pinned.load } : {}) });
  let pairs: { a: WrkResult; b: WrkResult }[];
  try {
    // JIT warm-up: both servers see some load before anything counts.
    await run(options.responderUrl, 2, options.responderPid);
    await run(options.bareUrl, 2, options.barePid);
    pairs = await alternate(
      options.rounds,
      () => run(options.responderUrl, options.secondsPerRun, options.responderPid),
      () => run(options.bareUrl, options.secondsPerRun, options.barePid),
    );
  } finally {
    if (plan) for (const pid of [options.responderPid, options.barePid]) unpinProcess(pid);
  }
  const rounds = pairs.map(({ a, b }) => ({
    responderRps: round(a.requestsPerS),
    bareRps: round(b.requestsPerS),
    ratio: round(a.requestsPerS / b.requestsPerS, 3),
    responderNon2xx: a.statusErrors,
    responderRequests: a.requests,
    ...(a.serverCpuPercent === undefined ? {} : { responderCpu: a.serverCpuPercent }),
    ...(b.serverCpuPercent === undefined ? {} : { bareCpu: b.serverCpuPercent }),
    ...(a.wrkCpuPercent === undefined ? {} : { wrkCpuWithResponder: a.wrkCpuPercent }),
    ...(b.wrkCpuPercent === undefined ? {} : { wrkCpuWithBare: b.wrkCpuPercent }),
  }));
  return {
    connections: options.connections,
    secondsPerRun: options.secondsPerRun,
    rounds,
    medianRatio: round(median(rounds.map((r) => r.ratio)), 3),
    ...(pinned ? { pinned } : {}),
    medianResponderRps: round(median(rounds.map((r) => r.responderRps))),
    medianBareRps: round(median(rounds.map((r) => r.bareRps))),
    cpu: {
      responder: median(rounds.flatMap((r) => (r.responderCpu === undefined ? [] : [r.responderCpu]))),
      bare: median(rounds.flatMap((r) => (r.bareCpu === undefined ? [] : [r.bareCpu]))),
      wrk: median(rounds.flatMap((r) => [r.wrkCpuWithResponder, r.wrkCpuWithBare].filter((n): n is number => n !== undefined))),
    },
    responderNon2xx: pairs.reduce((sum, { a }) => sum + a.statusErrors, 0),
    responderRequests: pairs.reduce((sum, { a }) => sum + a.requests, 0),
    socketErrors: pairs.reduce((sum, { a, b }) => sum + a.socketErrors + b.socketErrors + a.timeouts + b.timeouts, 0),
  };
}

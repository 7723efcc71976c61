import os from 'node:os';
import type { Clock } from '../clock/Clock.ts';

/** CPU time spent idle and in total since boot, over every CPU, in any one unit. */
export interface CpuTimes {
  idle: number;
  total: number;
}

/** os.cpus() sums /proc/stat's per-CPU lines on Linux; iowait is not idle there, as in haproxy_agent's reading. */
export function systemCpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}

/** The idle share (0–100, whole) of the CPU time between two readings; 0 when no time passed. */
export function idlePercentBetween(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (!(total > 0)) return 0;
  return Math.min(100, Math.max(0, Math.round((100 * (after.idle - before.idle)) / total)));
}

/**
 * haproxy_agent's weight: the idle share of the machine's CPU over the last `timeframeMs`. It
 * blocks each answer for the timeframe; here the times are read every `timeframeMs` instead, so an
 * answer reports the last whole timeframe at once. Before the first one ends, the average since
 * boot stands in (a number the kernel knows, not a guess).
 */
export class CpuIdleSampler {
  readonly #clock: Clock;
  readonly #read: () => CpuTimes;
  readonly #timeframeMs: number;
  #previous: CpuTimes = { idle: 0, total: 0 };
  #latest: CpuTimes;
  #timer: unknown;
  #stopped = false;

  constructor(options: { timeframeMs: number; clock: Clock; read?: () => CpuTimes }) {
    this.#clock = options.clock;
    this.#read = options.read ?? systemCpuTimes;
    this.#timeframeMs = options.timeframeMs;
    this.#latest = this.#read();
    this.#schedule();
  }

  get timeframeMs(): number {
    return this.#timeframeMs;
  }

  /** 0–100, whole: the idle share of the last timeframe. */
  idlePercent(): number {
    return idlePercentBetween(this.#previous, this.#latest);
  }

  stop(): void {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#stopped) return;
      this.#previous = this.#latest;
      this.#latest = this.#read();
      this.#schedule();
    }, this.#timeframeMs);
  }
}

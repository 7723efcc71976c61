/** Upper bounds (ms) of the drift buckets: 1 ms steps to 100 ms, then 10 ms steps to 1 s, then the rest. */
export const DRIFT_BOUNDS_MS: readonly number[] = [
  ...Array.from({ length: 100 }, (_, i) => i + 1),
  ...Array.from({ length: 90 }, (_, i) => 110 + i * 10),
];

/**
 * How late checks start compared with their schedule, as a cumulative histogram published in the
 * state file: an operator (or the benchmark) diffs two snapshots to get a window's percentiles.
 */
export class DriftHistogram {
  readonly counts = new Array<number>(DRIFT_BOUNDS_MS.length + 1).fill(0);
  total = 0;

  record(driftMs: number): void {
    let lo = 0;
    let hi = DRIFT_BOUNDS_MS.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (driftMs <= DRIFT_BOUNDS_MS[mid]!) hi = mid;
      else lo = mid + 1;
    }
    this.counts[lo]!++;
    this.total++;
  }
}

/** The bucket bound under which `quantile` of the samples fall (Infinity past the last bound). */
export function driftQuantile(counts: readonly number[], quantile: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  let seen = 0;
  for (const [i, n] of counts.entries()) {
    seen += n;
    if (seen >= quantile * total) return DRIFT_BOUNDS_MS[i] ?? Infinity;
  }
  return Infinity;
}

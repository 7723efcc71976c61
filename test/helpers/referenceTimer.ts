/**
 * A plain timer started next to a check with a deadline, to judge "stopped at the deadline" on a
 * loaded machine: when the event loop is held up (other tests of the same file, GC, both cores
 * busy), this timer is late by as much, and that lateness is not the check's. Resolves with how
 * late it fired, in ms.
 */
export function referenceTimer(ms: number): () => Promise<number> {
  const start = performance.now();
  const fired = new Promise<number>((resolve) => setTimeout(() => resolve(Math.max(0, performance.now() - start - ms)), ms));
  return () => fired;
}

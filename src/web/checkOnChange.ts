import type { Clock } from '../clock/Clock.ts';

/**
 * Runs `check` now, on every change a subscription reports, and every `recheckMs` besides: a
 * change in time alone (an ack or a drain expiring, a watcher falling silent) raises no event.
 */
export function checkOnChange(check: () => void, changes: readonly ((listener: () => void) => () => void)[], clock: Clock, recheckMs: number): { close(): void } {
  let timer: unknown;
  let closed = false;
  const recheck = (): void => {
    check();
    if (!closed) timer = clock.setTimeout(recheck, recheckMs);
  };
  // One check per turn of the event loop, however many changes it brought: a verdict over 10,000
  // probes for each of thousands of flags appearing at once kept the responder from answering
  // anything for minutes (BENCHMARKS.md, "10,000 probes mostly down starve the responder").
  let queued = false;
  const onChange = (): void => {
    if (queued) return;
    queued = true;
    setImmediate(() => {
      queued = false;
      if (!closed) check();
    });
  };
  const unsubscribe = changes.map((subscribe) => subscribe(onChange));
  recheck();
  return {
    close() {
      closed = true;
      clock.clearTimeout(timer);
      for (const stop of unsubscribe) stop();
    },
  };
}

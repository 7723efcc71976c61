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
  const unsubscribe = changes.map((subscribe) => subscribe(check));
  recheck();
  return {
    close() {
      closed = true;
      clock.clearTimeout(timer);
      for (const stop of unsubscribe) stop();
    },
  };
}

/** Time as the watcher sees it; tests pass a fake one to drive schedules without sleeping. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node fires a timer set past this at once (with a TimeoutOverflowWarning): a schedule would become a busy loop. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A clock whose timers may be any length: a delay past MAX_TIMER_MS is waited out as a chain of
 * shorter timers on `base`, each at most MAX_TIMER_MS. The config's bounds keep every delay far
 * below it; this makes the limit impossible to hit by a mistake elsewhere (a bound widened, a
 * computed delay gone wrong).
 */
export function chainingClock(base: Clock): Clock {
  interface Chain {
    handle: unknown;
  }
  const arm = (chain: Chain, callback: () => void, due: number): void => {
    const left = Math.max(0, due - base.now());
    chain.handle = base.setTimeout(left > MAX_TIMER_MS ? () => arm(chain, callback, due) : callback, Math.min(left, MAX_TIMER_MS));
  };
  return {
    now: () => base.now(),
    setTimeout(callback, ms) {
      const chain: Chain = { handle: undefined };
      arm(chain, callback, base.now() + Math.max(0, ms));
      return chain;
    },
    clearTimeout(handle) {
      if (handle) base.clearTimeout((handle as Chain).handle);
    },
  };
}

export const systemClock: Clock = chainingClock({
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
});

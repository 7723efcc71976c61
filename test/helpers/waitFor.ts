/**
 * Polls `condition` until it returns a truthy value or `timeoutMs` passes: a bounded wait for an
 * event, instead of a sleep that guesses how long the event takes. `what` may be a function, read
 * only on timeout, so that the message can say what was seen last.
 *
 * An attempt that never settles (a DevTools call to a page stuck mid-reload, a socket nobody
 * answers) is bounded too: at the deadline the wait fails with its message instead of hanging
 * until the test's own timeout, which names no step.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  timeoutMs = 5000,
  what: string | (() => string) = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  const fail = (why: string) => new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}${why}`);
  for (;;) {
    const value = await beforeDeadline(condition(), deadline);
    if (value === PENDING) throw fail(' (its last attempt never returned)');
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw fail('');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const PENDING = Symbol('pending');

function beforeDeadline<T>(attempt: T | Promise<T>, deadline: number): Promise<T | typeof PENDING> {
  if (!(attempt instanceof Promise)) return Promise.resolve(attempt);
  return settledWithin(attempt, Math.max(deadline - Date.now(), 0) + 50, PENDING);
}

/** `call`'s value, or `otherwise` if it has not settled within `ms` (the call is left to settle on its own). */
export async function settledWithin<T, U>(call: Promise<T>, ms: number, otherwise: U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<U>((resolve) => {
    timer = setTimeout(() => resolve(otherwise), ms);
  });
  try {
    return await Promise.race([call, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * How long a DeadPool process may take to start (listen, or exit on a start-up error) in a test:
 * 2-3 s alone, 7-15 s on a 2-core machine running other test files' DeadPools at once. A bound,
 * not a guess: a test that is fine returns as soon as the process is up.
 */
export const STARTUP_MS = 45_000;

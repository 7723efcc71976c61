/**
 * Polls `condition` until it returns a truthy value or `timeoutMs` passes: a bounded wait for an
 * event, instead of a sleep that guesses how long the event takes. `what` may be a function, read
 * only on timeout, so that the message can say what was seen last.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  timeoutMs = 5000,
  what: string | (() => string) = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * How long a DeadPool process may take to start (listen, or exit on a start-up error) in a test:
 * 2-3 s alone, 7-15 s on a 2-core machine running other test files' DeadPools at once. A bound,
 * not a guess: a test that is fine returns as soon as the process is up.
 */
export const STARTUP_MS = 45_000;

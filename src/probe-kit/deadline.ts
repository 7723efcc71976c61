/** 2000 → "2 s", 300 → "0.3 s", 1250 → "1.25 s": seconds as an operator writes them. */
export const formatSeconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))} s`;

/** The one wording of a missed deadline, for the watcher and every probe type: `timeout after 2 s`. */
export const timeoutReason = (ms: number): string => `timeout after ${formatSeconds(ms)}`;

/** Made once: an options object per call is garbage at 1,000 checks a second. */
const ONCE = { once: true } as const;

/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it aborts, whatever the
 * promise is doing: for client libraries that take no signal (or do not honour it at every step).
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, ONCE);
    // Not `.finally`: it costs two more promises, and url_probe calls this 1,000 times a second.
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

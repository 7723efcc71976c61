export type StopSignal = 'SIGTERM' | 'SIGINT';

export interface SignalSource {
  once(event: StopSignal, listener: () => void): unknown;
  off(event: StopSignal, listener: () => void): unknown;
}

/** Resolves with the first of SIGTERM/SIGINT; the listeners are removed afterwards. */
export function waitForSignal(source: SignalSource = process): Promise<StopSignal> {
  return new Promise((resolve) => {
    const listeners = (['SIGTERM', 'SIGINT'] as const).map((signal) => {
      const listener = (): void => {
        for (const [s, l] of listeners) source.off(s, l);
        resolve(signal);
      };
      source.once(signal, listener);
      return [signal, listener] as const;
    });
  });
}

/** Resolves when `work` does or after `ms`, whichever is first: shutdown must not hang on a stuck part. */
export async function within(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    work.then(() => true, () => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return finished;
}

import type { Logger } from '../log/Logger.ts';
import type { CommandIO } from './CommandIO.ts';
import { followParent } from './followParent.ts';
import { waitForSignal } from './waitForSignal.ts';

/**
 * Resolves with why a long-running command must stop: SIGTERM/SIGINT, or (for a child of
 * `deadpool run`) its supervisor gone. Call it before starting anything, so a signal that arrives
 * during start-up is not lost; the reason is logged.
 */
export function stopRequested(io: CommandIO, log: Logger): Promise<string> {
  return new Promise((resolve) => {
    let stopFollowing = (): void => undefined;
    let settled = false;
    const stop = (why: string): void => {
      if (settled) return;
      settled = true;
      stopFollowing();
      log.info(`${why}: stopping`);
      resolve(why);
    };
    stopFollowing = followParent(io.env, () => {
      log.error('the supervisor is gone');
      stop('supervisor gone');
    });
    void waitForSignal(io.signals).then(stop);
  });
}

import type { Logger } from '../log/Logger.ts';
import { systemClock, type Clock } from '../clock/Clock.ts';
import type { SdNotify } from './sdNotify.ts';
import { ServiceReporter } from './ServiceReporter.ts';
import type { WatcherProgress } from './watcherProgress.ts';

export interface WatcherReportDeps {
  notify: SdNotify;
  watchdogMs: number | undefined;
  /** The watcher's own heartbeat file, read back: proof that its writes land, not only that it runs. */
  progress: () => Promise<WatcherProgress>;
  log: Logger;
  clock?: Clock;
  /** How often the heartbeat is read for STATUS= and READY=1. */
  everyMs?: number;
}

/**
 * What systemd hears of `deadpool watcher` run as a unit of its own: STATUS= with the failing
 * probes, READY=1 once every probe has a first result or is past its first deadline, WATCHDOG=1
 * only while its heartbeat is fresh. Nothing is read when systemd is not listening.
 */
export function watcherReport({ notify, watchdogMs, progress, log, clock = systemClock, everyMs = 500 }: WatcherReportDeps): { stopping(): Promise<void> } {
  const reporter = new ServiceReporter({ notify, watchdogMs, log, clock, unhealthy: async () => (await progress()).stale });
  if (!notify.enabled) return { stopping: () => Promise.resolve() };
  let timer: unknown;
  let stopped = false;
  const look = async (): Promise<void> => {
    const now = await progress();
    if (stopped) return;
    reporter.status(now.text);
    if (now.settled) reporter.markReady();
    timer = clock.setTimeout(() => void look(), everyMs);
  };
  void look();
  reporter.start();
  return {
    stopping() {
      stopped = true;
      clock.clearTimeout(timer);
      return reporter.stopping();
    },
  };
}

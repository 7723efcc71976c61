import type { Logger } from '../log/Logger.ts';
import { systemClock, type Clock } from '../clock/Clock.ts';
import { isStatusMessage } from '../supervisor/readyMessage.ts';
import type { SdNotify } from './sdNotify.ts';
import { ServiceReporter } from './ServiceReporter.ts';
import type { WatcherProgress } from './watcherProgress.ts';

/** A responder silent this long (no status message) counts as frozen: the watchdog is not fed. */
export const RESPONDER_SILENCE_MS = 10_000;

export interface SupervisorReportDeps {
  notify: SdNotify;
  watchdogMs: number | undefined;
  /** The watcher's heartbeat, read at each watchdog ping. */
  watcher: () => Promise<WatcherProgress>;
  log: Logger;
  clock?: Clock;
}

/**
 * What `deadpool run` (systemd's main process) tells systemd for its two children: the
 * responder's answer as STATUS=, READY=1 once the responder listens and its answer rests on
 * results, WATCHDOG=1 only while the watcher's heartbeat is fresh and the responder talks.
 */
export class SupervisorReport {
  readonly #reporter: ServiceReporter;
  readonly #clock: Clock;
  #heardFromWeb = -Infinity;

  constructor({ notify, watchdogMs, watcher, log, clock = systemClock }: SupervisorReportDeps) {
    this.#clock = clock;
    this.#reporter = new ServiceReporter({
      notify,
      watchdogMs,
      log,
      clock,
      unhealthy: async () => {
        const silence = this.#clock.now() - this.#heardFromWeb;
        if (silence > RESPONDER_SILENCE_MS) return `no word from the responder for ${Math.round(silence / 1000)} s`;
        return (await watcher()).stale;
      },
    });
  }

  start(): void {
    this.#reporter.start();
  }

  /** Give it every IPC message of a child (Supervisor's onMessage). */
  onMessage(child: string, message: unknown): void {
    if (child !== 'web' || !isStatusMessage(message)) return;
    this.#heardFromWeb = this.#clock.now();
    this.#reporter.status(message.text);
    if (message.settled) this.#reporter.markReady();
  }

  stopping(): Promise<void> {
    return this.#reporter.stopping();
  }
}

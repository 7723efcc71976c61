import type { Logger } from '../log/Logger.ts';
import { systemClock, type Clock } from '../clock/Clock.ts';
import type { SdNotify } from './sdNotify.ts';

export interface ServiceReporterDeps {
  notify: SdNotify;
  /** Half of WATCHDOG_USEC, in ms; undefined: no watchdog. */
  watchdogMs: number | undefined;
  /**
   * Asked before each WATCHDOG=1 once ready: whether everything this process answers for is
   * alive (the watcher's heartbeat written, the responder talking). Returns why not, or undefined.
   * That the timer fired at all proves this process's own event loop turns.
   */
  unhealthy: () => string | undefined | Promise<string | undefined>;
  log: Logger;
  clock?: Clock;
}

/**
 * What systemd hears of one service: STATUS= with the answer on every change, READY=1 once, then
 * WATCHDOG=1 every half WATCHDOG_USEC while healthy, and STOPPING=1. Before READY=1 the watchdog
 * is fed on this process's loop alone: start-up is TimeoutStartSec='s business, and a watcher has
 * written no heartbeat yet. Holding WATCHDOG=1 back is how a frozen watcher gets restarted: the
 * supervisor that sends it keeps running, so only systemd can act.
 */
export class ServiceReporter {
  readonly #deps: ServiceReporterDeps & { clock: Clock };
  #status: string | undefined;
  #ready = false;
  #timer: unknown;
  #stopped = false;
  #starving: string | undefined;

  constructor(deps: ServiceReporterDeps) {
    this.#deps = { clock: systemClock, ...deps };
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Starts the watchdog pings, if systemd asked for them. */
  start(): void {
    if (this.#deps.watchdogMs === undefined || !this.#deps.notify.enabled) return;
    this.#deps.log.info(`systemd watchdog: pinging every ${this.#deps.watchdogMs} ms while healthy`, { component: 'systemd' });
    void this.#tick();
  }

  /** STATUS=, sent only when it changed. */
  status(text: string): void {
    if (text === this.#status || this.#stopped) return;
    this.#status = text;
    void this.#deps.notify.send({ STATUS: text });
  }

  /** READY=1, once (with the status, if any). */
  markReady(): void {
    if (this.#ready || this.#stopped) return;
    this.#ready = true;
    if (this.#deps.notify.enabled) this.#deps.log.info('telling systemd: ready', { component: 'systemd' });
    void this.#deps.notify.send({ READY: '1', ...(this.#status === undefined ? {} : { STATUS: this.#status }) });
  }

  /** STOPPING=1 and no more pings; resolves once systemd was told (or the notifier gave up). */
  async stopping(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#deps.clock.clearTimeout(this.#timer);
    await this.#deps.notify.send({ STOPPING: '1', STATUS: 'stopping' });
  }

  async #tick(): Promise<void> {
    const { clock, watchdogMs, notify, unhealthy, log } = this.#deps;
    if (this.#stopped) return;
    // The next ping is set before this one's check, so a slow check does not stretch the interval.
    this.#timer = clock.setTimeout(() => void this.#tick(), watchdogMs!);
    let why: string | undefined;
    try {
      why = this.#ready ? await unhealthy() : undefined;
    } catch (error) {
      why = `cannot tell whether it is healthy: ${(error as Error).message}`;
    }
    if (this.#stopped) return;
    if (why === undefined) void notify.send({ WATCHDOG: '1' });
    if (why !== this.#starving) {
      if (why !== undefined) log.error(`not feeding the systemd watchdog: ${why}; systemd restarts the service if this lasts`, { component: 'systemd' });
      else if (this.#starving !== undefined) log.info('feeding the systemd watchdog again', { component: 'systemd' });
      this.#starving = why;
    }
  }
}

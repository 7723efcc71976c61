import type { Clock } from '../clock/Clock.ts';
import type { Logger } from '../log/Logger.ts';
import type { NotifierEvent } from './NotifierEvent.ts';

/** Delivers one event; rejects with an error whose message is safe to log (no secret in it). */
export type Deliver = (event: NotifierEvent, signal: AbortSignal) => Promise<void>;

export interface NotifierTarget {
  deliver: Deliver;
  /** Tries per event before it is dropped. */
  attempts: number;
  /** How it is shown in logs: never a secret (a webhook shows its origin only). */
  describe: string;
}

export interface NotifierDeps {
  clock: Clock;
  log: Logger;
  /** Events waiting beyond this drop the oldest: the newest say how things are now. */
  maxQueue?: number;
  /** Wait before try `n + 1` after `n` failed ones. */
  backoffMs?: (failed: number) => number;
  /** How often drops are logged at most. */
  reportEveryMs?: number;
}

export const MAX_QUEUE = 1000;
export const REPORT_EVERY_MS = 60_000;
/** 1 s, 2 s, 4 s… at most 30 s. */
export const defaultBackoff = (failed: number): number => Math.min(1000 * 2 ** (failed - 1), 30_000);

/**
 * One notifier: its events delivered one at a time in the order they came, each tried up to
 * `attempts` times with a growing wait between tries, then dropped. The queue is bounded, so a
 * dead or hanging receiver costs at most `maxQueue` events of memory and never blocks whoever
 * publishes. Drops are counted and logged at most once per `reportEveryMs`.
 */
export class Notifier {
  readonly name: string;
  #target: NotifierTarget;
  readonly #deps: Required<NotifierDeps>;
  readonly #queue: NotifierEvent[] = [];
  #pumping = false;
  readonly #stop = new AbortController();
  #wait: { timer: unknown; resolve: () => void } | undefined;
  delivered = 0;
  droppedFull = 0;
  droppedFailed = 0;
  #unreportedFull = 0;
  #unreportedFailed = 0;
  #lastError = '';
  #reportedAt = -Infinity;
  #reportTimer: unknown;

  constructor(name: string, target: NotifierTarget, deps: NotifierDeps) {
    this.name = name;
    this.#target = target;
    this.#deps = { maxQueue: MAX_QUEUE, backoffMs: defaultBackoff, reportEveryMs: REPORT_EVERY_MS, ...deps };
  }

  get target(): NotifierTarget {
    return this.#target;
  }

  /** Events waiting (not counting one being delivered). */
  get queued(): number {
    return this.#queue.length;
  }

  /** A new target (a reload) for the events still waiting and those to come. */
  retarget(target: NotifierTarget): void {
    this.#target = target;
  }

  publish(event: NotifierEvent): void {
    if (this.#stop.signal.aborted) return;
    if (this.#queue.length >= this.#deps.maxQueue) {
      this.#queue.shift();
      this.droppedFull++;
      this.#unreportedFull++;
      this.#report();
    }
    this.#queue.push(event);
    if (!this.#pumping) void this.#pump();
  }

  /** Stops delivering: the event in flight is aborted and those waiting are dropped. */
  stop(): void {
    this.#stop.abort();
    this.#queue.length = 0;
    this.#deps.clock.clearTimeout(this.#reportTimer);
    if (this.#wait) {
      this.#deps.clock.clearTimeout(this.#wait.timer);
      this.#wait.resolve();
    }
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (let event = this.#queue.shift(); event !== undefined && !this.#stop.signal.aborted; event = this.#queue.shift()) await this.#deliver(event);
    } finally {
      this.#pumping = false;
    }
  }

  async #deliver(event: NotifierEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const target = this.#target;
      try {
        await target.deliver(event, this.#stop.signal);
        this.delivered++;
        return;
      } catch (error) {
        if (this.#stop.signal.aborted) return;
        this.#lastError = error instanceof Error ? error.message : String(error);
        if (attempt >= target.attempts) {
          this.droppedFailed++;
          this.#unreportedFailed++;
          this.#report();
          return;
        }
        this.#deps.log.debug(`notifier ${this.name} (${target.describe}): try ${attempt} of ${target.attempts} failed: ${this.#lastError}`, { notifier: this.name });
        await this.#sleep(this.#deps.backoffMs(attempt));
        // Stopped during the wait: a try now would start a request or a command nobody can stop.
        if (this.#stop.signal.aborted) return;
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#deps.clock.setTimeout(() => {
        this.#wait = undefined;
        resolve();
      }, ms);
      this.#wait = { timer, resolve };
    });
  }

  /** Logs the drops now if the last report is old enough, else once it is. */
  #report(): void {
    const { clock, reportEveryMs } = this.#deps;
    const due = this.#reportedAt + reportEveryMs;
    if (clock.now() < due) {
      this.#reportTimer ??= clock.setTimeout(() => {
        this.#reportTimer = undefined;
        this.#report();
      }, due - clock.now());
      return;
    }
    if (this.#unreportedFull + this.#unreportedFailed === 0) return;
    this.#reportedAt = clock.now();
    const parts = [
      ...(this.#unreportedFull > 0 ? [`${this.#unreportedFull} because its queue was full (${this.#deps.maxQueue} events waiting; the oldest go)`] : []),
      ...(this.#unreportedFailed > 0 ? [`${this.#unreportedFailed} after ${this.#target.attempts} failed tries (last: ${this.#lastError})`] : []),
    ];
    this.#deps.log.warning(`notifier ${this.name} (${this.#target.describe}) dropped ${this.#unreportedFull + this.#unreportedFailed} event(s): ${parts.join('; ')}`, {
      notifier: this.name,
      dropped_full: this.droppedFull,
      dropped_failed: this.droppedFailed,
    });
    this.#unreportedFull = 0;
    this.#unreportedFailed = 0;
  }
}

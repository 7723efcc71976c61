import type { Logger } from '../log/Logger.ts';
import { systemClock, type Clock } from '../clock/Clock.ts';

export interface AuthFailureReportOptions {
  logger: Logger;
  clock?: Clock;
  /** One summary per this period, from the first 511 of the period. */
  everyMs?: number;
  /** Client addresses named in a summary; the others are counted. */
  maxNamed?: number;
}

/** Distinct addresses remembered per period: a spray from many addresses must not grow memory. */
const MAX_TRACKED = 1000;

/**
 * Counts the requests answered 511 and logs one `info` summary per period (a minute by default):
 * how many, and from which client addresses (the first few by name, then "and N more"). One line
 * per request would let anyone who can reach the port flood Graylog; none at all would hide a
 * monitor set up with the wrong token. Only addresses are kept, never what a client presented.
 */
export class AuthFailureReport {
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #everyMs: number;
  readonly #maxNamed: number;
  #count = 0;
  #firstAt = 0;
  readonly #addresses = new Set<string>();
  #overflow = false;
  #timer: unknown;
  #closed = false;

  constructor({ logger, clock = systemClock, everyMs = 60_000, maxNamed = 10 }: AuthFailureReportOptions) {
    this.#logger = logger;
    this.#clock = clock;
    this.#everyMs = everyMs;
    this.#maxNamed = maxNamed;
  }

  /** One request answered 511, from `address`. */
  add(address: string | undefined): void {
    if (this.#closed) return;
    if (this.#count === 0) this.#firstAt = this.#clock.now();
    this.#count++;
    const name = address || 'unknown';
    if (this.#addresses.size < MAX_TRACKED) this.#addresses.add(name);
    else if (!this.#addresses.has(name)) this.#overflow = true;
    this.#timer ??= this.#clock.setTimeout(() => this.#report(), this.#everyMs);
  }

  /** Logs what was counted so far and stops. */
  close(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#report();
    this.#closed = true;
  }

  #report(): void {
    this.#timer = undefined;
    if (this.#count === 0) return;
    const all = [...this.#addresses];
    const named = all.slice(0, this.#maxNamed);
    const others = all.length - named.length;
    const clients = named.join(', ') + (others > 0 || this.#overflow ? ` and ${this.#overflow ? 'over ' : ''}${others} more` : '');
    const seconds = Math.round((this.#clock.now() - this.#firstAt) / 1000);
    this.#logger.info(`answered 511 Auth ERR to ${this.#count} request(s) in ${seconds} s from ${clients}`, { component: 'web', status: 511, count: this.#count, clients });
    this.#count = 0;
    this.#addresses.clear();
    this.#overflow = false;
  }
}

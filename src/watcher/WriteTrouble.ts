import type { Logger } from '../log/Logger.ts';
import type { Clock } from '../clock/Clock.ts';

/** How often a write failure that goes on is logged again. */
export const WRITE_TROUBLE_EVERY_MS = 60_000;

/**
 * Failed writes to the flag folder, logged once a minute while they go on (with the path, the
 * error and how many failed since the last line) and once when writes work again. A read-only
 * folder fails every check and every heartbeat: logging each would be two lines every half second,
 * forever, burying everything else in Graylog.
 */
export class WriteTrouble {
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #everyMs: number;
  #since: number | undefined;
  #lastLogged = -Infinity;
  #unlogged = 0;
  #total = 0;

  constructor(log: Logger, clock: Clock, everyMs = WRITE_TROUBLE_EVERY_MS) {
    this.#log = log;
    this.#clock = clock;
    this.#everyMs = everyMs;
  }

  failed(file: string, error: unknown): void {
    const now = this.#clock.now();
    this.#since ??= now;
    this.#total++;
    if (now - this.#lastLogged < this.#everyMs) {
      this.#unlogged++;
      return;
    }
    const more = this.#unlogged > 0 ? ` (${this.#unlogged} more failed writes since the last report)` : '';
    this.#log.error(`cannot write ${file}: ${error instanceof Error ? error.message : String(error)}${more}; the responder fails closed until writes work again`, { path: file });
    this.#lastLogged = now;
    this.#unlogged = 0;
  }

  succeeded(): void {
    if (this.#since === undefined) return;
    this.#log.info(`writes to the flag folder work again after ${this.#total} failed writes in ${Math.round((this.#clock.now() - this.#since) / 1000)} s`);
    this.#since = undefined;
    this.#lastLogged = -Infinity;
    this.#unlogged = 0;
    this.#total = 0;
  }
}

import { systemClock, type Clock } from '../clock/Clock.ts';
import { forceChecks } from './forceChecks.ts';
import type { ForcedCheck } from './forceProtocol.ts';

/**
 * The responder's forced checks: calls that overlap share the watcher's answer for the probes they
 * have in common, so a flood of `?cache=false` requests opens one connection to the watcher per
 * round of checks, not one per request (the watcher shares the checks themselves either way).
 */
export class SharedForceChecks {
  readonly #folder: string;
  readonly #clock: Clock;
  /** Each probe asked for and not answered yet, with the answer to come. */
  readonly #pending = new Map<string, Promise<ForcedCheck | undefined>>();

  constructor(folder: string, clock: Clock = systemClock) {
    this.#folder = folder;
    this.#clock = clock;
  }

  /** As `forceChecks`: the results that came back within `budgetMs` (or the watcher's own deadline), by probe. */
  force(names: readonly string[], budgetMs: number): Promise<Map<string, ForcedCheck>> {
    const unique = [...new Set(names)];
    const ask = unique.filter((name) => !this.#pending.has(name));
    if (ask.length > 0) {
      const request = forceChecks(this.#folder, ask, budgetMs, this.#clock);
      for (const name of ask) {
        const answer = request.then((results) => results.get(name));
        this.#pending.set(name, answer);
        void answer.then(() => {
          if (this.#pending.get(name) === answer) this.#pending.delete(name);
        });
      }
    }
    const results = new Map<string, ForcedCheck>();
    return new Promise((resolve) => {
      let open = true;
      const close = (): void => {
        open = false;
        this.#clock.clearTimeout(timer);
        resolve(results);
      };
      let left = unique.length;
      // A call that joined an earlier one still waits no longer than its own budget.
      const timer = this.#clock.setTimeout(close, budgetMs);
      if (left === 0) close();
      for (const name of unique) {
        void this.#pending.get(name)!.then((check) => {
          if (!open) return;
          if (check !== undefined) results.set(name, check);
          if (--left === 0) close();
        });
      }
    });
  }
}

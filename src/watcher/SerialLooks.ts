import type { Clock } from '../clock/Clock.ts';

/**
 * A look at the watcher's results run every `everyMs` and whenever asked, never two at once: one
 * asked for while another runs is made right after it (once, however many asked meanwhile). The
 * sticky marks (StickyKeeper) and the verdict for actions and notifiers (VerdictWatch) look so.
 */
export class SerialLooks {
  readonly #look: () => Promise<void>;
  readonly #clock: Clock;
  readonly #everyMs: number;
  readonly #onError: (error: unknown) => void;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: unknown;
  #stopped = false;

  constructor(look: () => Promise<void>, clock: Clock, everyMs: number, onError: (error: unknown) => void) {
    this.#look = look;
    this.#clock = clock;
    this.#everyMs = everyMs;
    this.#onError = onError;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  start(): void {
    const tick = (): void => {
      if (this.#stopped) return;
      void this.request();
      this.#timer = this.#clock.setTimeout(tick, this.#everyMs);
    };
    tick();
  }

  /** No more looks; resolves when the one running (if any) is over. */
  stop(): Promise<void> {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
    return this.#running ?? Promise.resolve();
  }

  /** Looks now, or right after the look that runs. */
  request(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#look()
      .catch(this.#onError)
      .finally(() => {
        this.#running = undefined;
        if (this.#again && !this.#stopped) {
          this.#again = false;
          void this.request();
        }
      });
    return this.#running;
  }
}

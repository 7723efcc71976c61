import { MAX_TIMER_MS, type Clock } from '../../src/clock/Clock.ts';

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * A clock that only moves when the test says so; timers fire in time order. Like Node, it cannot
 * hold a timer past MAX_TIMER_MS: asking for one throws (and is recorded in `overlong`, in case the
 * caller swallowed the throw), so any code path that would set one fails its test.
 */
export class FakeClock implements Clock {
  readonly overlong: number[] = [];
  #now = 0;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    if (!(ms <= MAX_TIMER_MS)) {
      this.overlong.push(ms);
      throw new RangeError(`a timer of ${ms} ms: Node would fire it at once`);
    }
    const id = this.#nextId++;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Whether a timer is due at exactly `at` (lets a test wait until a loop scheduled its next check). */
  hasTimerAt(at: number): boolean {
    return [...this.#timers.values()].some((t) => t.at === at);
  }

  /** Moves to `time` without firing any timer: an event loop too busy to run them. */
  jumpTo(time: number): void {
    this.#now = time;
  }

  /** Moves to `time`, firing every timer due by then, earliest first. */
  advanceTo(time: number): void {
    for (;;) {
      const due = [...this.#timers.values()].filter((t) => t.at <= time).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.#timers.delete(due.id);
      this.#now = due.at;
      due.callback();
    }
    this.#now = time;
  }
}

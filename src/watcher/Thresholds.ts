export type ProbeState = 'pending' | 'up' | 'down';

export interface Transition {
  from: ProbeState;
  to: ProbeState;
}

/**
 * HAProxy's rise/fall: `fall` failures in a row take an up probe down, `rise` passes in a row
 * bring a down probe up. The first result of a pending probe (start-up, just added) decides at
 * once, like HAProxy's default initial state: waiting `fall` checks would report a dead DC as
 * healthy for that long.
 */
export class Thresholds {
  state: ProbeState = 'pending';
  passes = 0;
  failures = 0;
  readonly #fall: number;
  readonly rise: number;

  constructor(fall: number, rise: number) {
    this.#fall = fall;
    this.rise = rise;
  }

  /** Down, with passes in a row that are not yet `rise` of them. */
  get recovering(): boolean {
    return this.state === 'down' && this.passes > 0;
  }

  record(ok: boolean): Transition | undefined {
    const from = this.state;
    if (ok) {
      this.failures = 0;
      this.passes++;
      if (from === 'pending' || (from === 'down' && this.passes >= this.rise)) this.state = 'up';
    } else {
      this.passes = 0;
      this.failures++;
      if (from === 'pending' || (from === 'up' && this.failures >= this.#fall)) this.state = 'down';
    }
    return from === this.state ? undefined : { from, to: this.state };
  }
}

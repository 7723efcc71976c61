import type { ProbeSpec } from '../config/ProbeSpec.ts';
import { formatFlag } from '../flag-store/flagFormat.ts';
import type { FlagStore } from '../flag-store/FlagStore.ts';
import type { CheckSource, ProbeCheck } from '../flag-store/watcherState.ts';
import type { Logger } from '../log/Logger.ts';
import type { Clock } from './Clock.ts';
import { phaseOffset } from './phaseOffset.ts';
import { runCheck } from './runCheck.ts';
import { Thresholds, type ProbeState, type Transition } from './Thresholds.ts';

/** How long a check that ignored its abort may keep its probe's next check waiting. */
export const SETTLE_GRACE_MS = 1000;

export interface CheckEvent {
  probe: string;
  ok: boolean;
  reason: string;
  state: ProbeState;
  transition?: Transition;
  durationMs: number;
  /** Actual minus planned start of this check, in ms (schedule drift). */
  driftMs: number;
  /** When the check completed (clock time). */
  at: number;
}

export interface ProbeLoopDeps {
  flags: FlagStore;
  log: Logger;
  clock: Clock;
  onCheck?: (event: CheckEvent) => void;
  /** A flag could not be written because the folder is gone or is not a folder any more. */
  onFolderTrouble?: () => void;
  /** Any other failed write of a flag (a read-only folder, a full disk): reported, not logged per check. */
  onWriteFailure?: (file: string, error: unknown) => void;
}

/**
 * One probe's schedule: the first check at once, then on a grid of its own, `start + phase
 * offset + k × period` (phaseOffset: within one period), so checks neither drift nor bunch up;
 * never two at a time. A check that overran its slot is followed at once, and the one after it
 * goes back to the grid: re-basing the grid on the late check instead would bunch together every
 * probe delayed by one burst (all first checks at start-up) for good.
 * It owns its flag: written on every failing check while down (so a vanished folder gets it
 * back within a period), removed once the probe is up.
 */
export class ProbeLoop implements CheckSource {
  readonly spec: ProbeSpec;
  readonly #deps: ProbeLoopDeps;
  readonly #log: Logger;
  readonly #thresholds: Thresholds;
  readonly #stop = new AbortController();
  #timer: unknown;
  #running: Promise<void> | undefined;
  #flagMayExist = true;
  // Clock times as numbers, not Dates: one object less per check, for each of thousands of probes.
  #downSince: number | undefined;
  #failingSince: number | undefined;
  #passingSince: number | undefined;
  /** When the up/down state last changed: the first check of the row of results that changed it. */
  #since = 0;
  #lastReason = 'pending';
  #lastOk = false;
  #lastDurationMs = 0;
  /** The last failure and the failures in a row it ended: what a recovering probe still reports. */
  #lastFailure = 'pending';
  #failuresInRow = 0;
  #lastCheck: number | undefined;
  #startedAt = 0;
  /** The grid point of the check in flight or last run. */
  #grid = 0;

  constructor(spec: ProbeSpec, deps: ProbeLoopDeps) {
    this.spec = spec;
    this.#deps = deps;
    this.#log = deps.log.child({ probe: spec.name, module: spec.moduleName });
    this.#thresholds = new Thresholds(spec.fall, spec.rise);
  }

  get state(): ProbeState {
    return this.#thresholds.state;
  }

  /**
   * While down and recovering (passes in a row, fewer than `rise`), the failure that keeps it down
   * and how far the recovery is: the last check's "status 200" would read as if the probe were up.
   */
  get reason(): string {
    const t = this.#thresholds;
    return t.recovering ? `${this.#lastFailure} (recovering: ${t.passes} of ${t.rise} passes)` : this.#lastReason;
  }

  /** Clock time of the last completed check; undefined before the first. */
  get checkedAt(): number | undefined {
    return this.#lastCheck;
  }

  get name(): string {
    return this.spec.name;
  }

  get lastDurationMs(): number {
    return this.#lastDurationMs;
  }

  get lastOk(): boolean {
    return this.#lastOk;
  }

  /** The last check's own reason (`reason` is the probe's: while recovering, the failure that keeps it down). */
  get lastReason(): string {
    return this.#lastReason;
  }

  get stateSince(): number {
    return this.#since;
  }

  /** The last completed check; undefined before the first. */
  lastCheck(): ProbeCheck | undefined {
    if (this.#lastCheck === undefined) return undefined;
    return { at: this.#lastCheck, duration_ms: this.#lastDurationMs, ok: this.#lastOk, since: this.#since, ...(this.#lastOk ? {} : { reason: this.#lastReason }) };
  }

  /** Clock time of the loop's first check: a probe without a result yet is pending from then on. */
  get startedAt(): number {
    return this.#startedAt;
  }

  /** Starts the loop: the first check at `at` (clock time; now by default), the probe's grid from there. */
  start(at = this.#deps.clock.now()): void {
    this.#startedAt = at;
    this.#schedule(at);
  }

  /** Stops scheduling and aborts the check in flight; resolves once it settled (bounded). */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#deps.clock.clearTimeout(this.#timer);
    await this.#running;
  }

  /** The flag this probe should have now, or undefined when it should have none. */
  flagText(): string | undefined {
    if (this.state !== 'down') return undefined;
    const lastCheck = this.#lastCheck ?? this.#deps.clock.now();
    return formatFlag({
      probe: this.spec.name,
      module: this.spec.moduleName,
      reason: this.reason,
      since: new Date(this.#downSince ?? lastCheck),
      lastCheck: new Date(lastCheck),
      failures: this.#failuresInRow,
      ...(this.#thresholds.recovering ? { recovering: { passes: this.#thresholds.passes, rise: this.#thresholds.rise } } : {}),
    });
  }

  #schedule(plannedStart: number): void {
    if (this.#stop.signal.aborted) return;
    const delay = Math.max(0, plannedStart - this.#deps.clock.now());
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.#running = this.#tick(plannedStart);
    }, delay);
  }

  async #tick(plannedStart: number): Promise<void> {
    const { clock } = this.#deps;
    const driftMs = clock.now() - plannedStart;
    const first = this.#lastCheck === undefined;
    const run = await runCheck(this.spec, this.#log, clock, this.#stop.signal);
    if (this.#stop.signal.aborted) return;
    const { result } = run;
    const transition = this.#thresholds.record(result.ok);
    this.#lastReason = result.reason;
    this.#lastOk = result.ok;
    this.#lastDurationMs = run.durationMs;
    if (!result.ok) {
      this.#lastFailure = result.reason;
      this.#failuresInRow = this.#thresholds.failures;
    }
    this.#lastCheck = clock.now();
    if (!result.ok && this.#thresholds.failures === 1) this.#failingSince = this.#lastCheck;
    if (result.ok && this.#thresholds.passes === 1) this.#passingSince = this.#lastCheck;
    if (transition) this.#since = (transition.to === 'down' ? this.#failingSince : this.#passingSince) ?? this.#lastCheck;
    this.#log.debug(`check ${result.ok ? 'passed' : 'failed'}: ${result.reason}`, {
      state: this.state,
      reason: result.reason,
      duration_ms: Math.round(run.durationMs),
    });
    if (transition) this.#logTransition(transition, result.reason);
    await this.#syncFlag(transition);
    this.#deps.onCheck?.({ probe: this.spec.name, ok: result.ok, reason: result.reason, state: this.state, ...(transition ? { transition } : {}), durationMs: run.durationMs, driftMs, at: clock.now() });
    await this.#awaitSettled(run.settled);
    const period = this.spec.periodMs;
    let next = first ? this.#startedAt + phaseOffset(this.spec.name, period) : this.#grid + period;
    const now = clock.now();
    if (next >= now) {
      this.#grid = next;
      this.#schedule(next);
      return;
    }
    // Overran: the latest grid point already passed is this check's slot, run at once.
    next += Math.floor((now - next) / period) * period;
    this.#grid = next;
    this.#schedule(now);
  }

  async #awaitSettled(settled: Promise<void>): Promise<void> {
    let timer: unknown;
    const gaveUp = await Promise.race([
      settled.then(() => false),
      new Promise<boolean>((resolve) => (timer = this.#deps.clock.setTimeout(() => resolve(true), SETTLE_GRACE_MS))),
    ]);
    this.#deps.clock.clearTimeout(timer);
    if (gaveUp) this.#log.error(`check ignored its abort signal for ${SETTLE_GRACE_MS} ms after the deadline; running the next one anyway`);
  }

  #logTransition({ from, to }: Transition, reason: string): void {
    const fields = { state: to, reason };
    const message = `${from} → ${to}: ${reason}`;
    if (to === 'down') this.#log.warning(message, fields);
    else this.#log.info(message, fields);
  }

  async #syncFlag(transition: Transition | undefined): Promise<void> {
    try {
      if (this.state === 'down') {
        if (transition) this.#downSince = this.#failingSince;
        await this.#writeFlag();
      } else if (this.#flagMayExist) {
        await this.#deps.flags.remove(this.spec.name);
        this.#flagMayExist = false;
        this.#downSince = undefined;
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') this.#deps.onFolderTrouble?.();
      else if (this.#deps.onWriteFailure) this.#deps.onWriteFailure(this.#deps.flags.folder, error);
      else this.#log.error(`cannot update flag in ${this.#deps.flags.folder}: ${(error as Error).message}`, { state: this.state });
    }
  }

  async #writeFlag(): Promise<void> {
    this.#flagMayExist = true;
    const text = this.flagText();
    if (text !== undefined) await this.#deps.flags.write(this.spec.name, text);
  }
}

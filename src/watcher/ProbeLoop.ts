import type { ProbeSpec } from '../config/ProbeSpec.ts';
import { formatFlag } from '../flag-store/flagFormat.ts';
import type { FlagStore } from '../flag-store/FlagStore.ts';
import type { CheckSource, ProbeCheck } from '../flag-store/watcherState.ts';
import type { Logger } from '../log/Logger.ts';
import type { ForcedCheck } from '../watcher-link/forceProtocol.ts';
import type { Clock } from '../clock/Clock.ts';
import type { CheckResult } from '../probe-api/types.ts';
import { phaseOffset } from './phaseOffset.ts';
import { runCheck, type CheckRun } from './runCheck.ts';
import { Thresholds, type ProbeState, type Transition } from './Thresholds.ts';

/** How long a check that ignored its abort may keep its probe's next check waiting. */
export const SETTLE_GRACE_MS = 1000;

/** Forced checks (`?cache=false`) of one probe start at least this far apart, however many ask. */
export const FORCE_INTERVAL_MS = 1000;

export interface CheckEvent {
  probe: string;
  ok: boolean;
  reason: string;
  state: ProbeState;
  transition?: Transition;
  durationMs: number;
  /** Actual minus planned start of this check, in ms (schedule drift); 0 for a forced check. */
  driftMs: number;
  /** Run on request (`?cache=false`), off the schedule. */
  forced?: true;
  /** When the check completed (clock time). */
  at: number;
}

export interface ProbeLoopDeps {
  flags: FlagStore;
  log: Logger;
  clock: Clock;
  /** Each recorded check, once its flag was written or removed. */
  onCheck?: (event: CheckEvent) => void;
  /**
   * A change of up/down state, in the same tick as it happens (before the flag is written): what
   * reads the state (the verdict's periodic look) cannot see the change before it is announced, so
   * a notifier never hears of a verdict before the probe change that caused it.
   */
  onChange?: (event: CheckEvent) => void;
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
  /** The grid point of the check in flight or last run; undefined before the first scheduled check. */
  #grid: number | undefined;
  /** The result of the forced check asked for and not yet ended: every request meanwhile shares it. */
  #forced: Promise<ForcedCheck | undefined> | undefined;
  /** The forced check in flight until it settled: the next check of either kind waits for it. */
  #forcedBusy: Promise<void> | undefined;
  /** Clock time the last forced check started. */
  #forcedAt: number | undefined;

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
    await Promise.all([this.#running, this.#forcedBusy]);
  }

  /**
   * Checks the probe now, off its schedule, through the same path as a scheduled check (flag,
   * state, log), and resolves with the result; undefined when the loop stopped first. A check in
   * flight is let finish first (never two at once), and the grid is left alone: the next scheduled
   * check runs at its time, or right after this one if that time came meanwhile. Requests while a
   * forced check is pending share it, and a forced check less than FORCE_INTERVAL_MS after the
   * last one started is not run: the last result is the answer, so a flood of requests runs the
   * probe at most once a second.
   */
  force(): Promise<ForcedCheck | undefined> {
    if (this.#forced) return this.#forced;
    if (this.#stop.signal.aborted) return Promise.resolve(undefined);
    const { clock } = this.#deps;
    if (this.#forcedAt !== undefined && clock.now() - this.#forcedAt < FORCE_INTERVAL_MS) return Promise.resolve(this.#forcedResult());
    const before = Promise.all([this.#running, this.#forcedBusy]);
    let answer: (result: ForcedCheck | undefined) => void = () => undefined;
    const forced = new Promise<ForcedCheck | undefined>((resolve) => (answer = resolve));
    this.#forced = forced;
    const busy: Promise<void> = this.#runForced(before, (result) => {
      answer(result);
      if (this.#forced === forced) this.#forced = undefined;
    }).finally(() => {
      answer(undefined);
      if (this.#forced === forced) this.#forced = undefined;
      if (this.#forcedBusy === busy) this.#forcedBusy = undefined;
    });
    this.#forcedBusy = busy;
    return forced;
  }

  /** After `before` (the checks in flight), one forced check: `answer` as soon as it is recorded, then its settling awaited. */
  async #runForced(before: Promise<unknown>, answer: (result: ForcedCheck | undefined) => void): Promise<void> {
    await before;
    if (this.#stop.signal.aborted) return;
    this.#forcedAt = this.#deps.clock.now();
    const run = await this.#check(0, true);
    answer(run && this.#forcedResult());
    if (run?.settled) await this.#awaitSettled(run.settled);
  }

  #forcedResult(): ForcedCheck | undefined {
    const last = this.lastCheck();
    if (last === undefined) return undefined;
    return { ...last, reason: this.#lastReason, state: this.state, ...(this.state === 'down' ? { down_reason: this.reason } : {}) };
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
    // A forced check in flight goes first: never two checks of one probe at once.
    if (this.#forcedBusy) await this.#forcedBusy;
    const { clock } = this.#deps;
    const run = await this.#check(clock.now() - plannedStart, false);
    if (!run) return;
    if (run.settled) await this.#awaitSettled(run.settled);
    const period = this.spec.periodMs;
    const grid = this.#grid;
    let next = grid === undefined ? this.#startedAt + phaseOffset(this.spec.name, period) : grid + period;
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

  /** Runs one check and records it (thresholds, log, flag, event); undefined when the loop stopped meanwhile. */
  async #check(driftMs: number, forced: boolean): Promise<CheckRun | undefined> {
    const { clock } = this.#deps;
    const run = await runCheck(this.spec, this.#log, clock, this.#stop.signal);
    if (this.#stop.signal.aborted) return undefined;
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
    if (this.#log.enabled('debug')) {
      this.#log.debug(`${forced ? 'forced check' : 'check'} ${result.ok ? 'passed' : 'failed'}: ${result.reason}`, {
        state: this.state,
        reason: result.reason,
        duration_ms: Math.round(run.durationMs),
      });
    }
    if (transition) this.#logTransition(transition, result.reason);
    const { onCheck, onChange } = this.#deps;
    const event = onCheck || (transition && onChange) ? this.#event(result, run.durationMs, driftMs, transition, forced) : undefined;
    if (event?.transition) onChange?.(event);
    await this.#syncFlag(transition);
    if (event) onCheck?.(event);
    return run;
  }

  #event(result: CheckResult, durationMs: number, driftMs: number, transition: Transition | undefined, forced: boolean): CheckEvent {
    // Optional fields set, not spread: a spread makes two more objects per check.
    const event: CheckEvent = { probe: this.spec.name, ok: result.ok, reason: result.reason, state: this.state, durationMs, driftMs, at: this.#deps.clock.now() };
    if (transition) event.transition = transition;
    if (forced) event.forced = true;
    return event;
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

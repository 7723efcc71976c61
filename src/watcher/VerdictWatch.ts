import type { Clock } from '../clock/Clock.ts';
import type { WatcherStateFile } from '../flag-store/watcherState.ts';
import type { Logger } from '../log/Logger.ts';
import type { Marks } from '../marks/Mark.ts';
import { readMarks as readMarksFromFolder } from '../marks/readMarks.ts';
import type { HealthModel } from '../verdict/healthModel.ts';
import { verdict } from '../verdict/verdict.ts';
import { watcherStatuses } from './watcherStatuses.ts';
import { SerialLooks } from './SerialLooks.ts';

/** One selection's verdict turned (or was first known). */
export interface VerdictChange {
  /** The pool whose verdict it is; undefined for the base URL's (every category). */
  pool: string | undefined;
  up: boolean;
  /** The verdict before; undefined for the first one since the watcher started (or the pool appeared). */
  from: boolean | undefined;
  /** The answer's lines after its header, joined by "; " (`OK` when up). */
  reason: string;
  /** The probes whose failure counts against the answer, sorted. */
  failing: string[];
  /** Epoch ms: the end of the check that turned it, or when the watcher saw it turn (a mark, a reload). */
  since: number;
}

export interface VerdictWatchDeps {
  folder: string;
  model: () => HealthModel;
  /** The watcher's own view of its probes (Watcher.snapshot). */
  snapshot: () => Pick<WatcherStateFile, 'running' | 'failing'>;
  clock: Clock;
  log: Logger;
  onChange: (change: VerdictChange) => void;
  /** Whether anyone listens (actions or notifiers configured): without, no look is made (it costs a snapshot of every probe). */
  active?: () => boolean;
  /** How often to look besides after each change of a probe's state: marks and time change a verdict alone. */
  everyMs?: number;
  readMarks?: (folder: string) => Promise<Marks>;
}

interface Seen {
  up: boolean;
  reason: string;
}

/** Key of the base URL's verdict (pool names are safe names: never empty). */
const BASE = '';
const MAX_REASON = 1000;

/**
 * The verdict of the base URL and of each pool as the responder gives it, worked out in the
 * watcher from its own results and the marks in the folder (acks, drains, sticky categories), to
 * drive actions and notifiers. The same `verdict` function as every answer, over the statuses
 * the watcher's state file would make the responder see: pending, overdue and unknown are not up.
 *
 * A selection's first verdict waits until none of its probes is pending (each has a result or is
 * overdue, which the watcher says after `period + timeout + stale_grace`): a restart must not
 * demote a healthy DC for the second its first checks take.
 */
export class VerdictWatch {
  readonly #deps: Required<VerdictWatchDeps>;
  readonly #seen = new Map<string, Seen>();
  readonly #looks: SerialLooks;
  #trigger: number | undefined;

  constructor(deps: VerdictWatchDeps) {
    this.#deps = { everyMs: 1000, readMarks: readMarksFromFolder, active: () => true, ...deps };
    this.#looks = new SerialLooks(() => this.#look(), this.#deps.clock, this.#deps.everyMs, (error: unknown) => this.#deps.log.error(`cannot work out the verdict for actions and notifiers: ${error instanceof Error ? error.message : String(error)}`));
  }

  start(): void {
    this.#looks.start();
  }

  stop(): Promise<void> {
    return this.#looks.stop();
  }

  /** The last verdict of a selection, if one is known. */
  current(pool: string | undefined): boolean | undefined {
    return this.#seen.get(pool ?? BASE)?.up;
  }

  /**
   * Looks now (`at`: when the change that asks happened, the end of a check); a look asked for
   * while one runs is made right after it, never two at once.
   */
  check(at?: number): Promise<void> {
    if (at !== undefined) this.#trigger = Math.min(this.#trigger ?? at, at);
    return this.#looks.request();
  }

  async #look(): Promise<void> {
    const trigger = this.#trigger;
    this.#trigger = undefined;
    if (!this.#deps.active()) {
      // Whoever comes (a reload adding an action) starts from a first verdict, as at start-up.
      this.#seen.clear();
      return;
    }
    const marks = await this.#deps.readMarks(this.#deps.folder);
    if (this.#looks.stopped) return;
    const model = this.#deps.model();
    const probes = watcherStatuses(model, this.#deps.snapshot());
    const now = this.#deps.clock.now();
    const since = trigger ?? now;
    const selections = [BASE, ...model.pools.keys()];
    for (const key of [...this.#seen.keys()]) if (!selections.includes(key)) this.#seen.delete(key);
    for (const key of selections) {
      const result = verdict({ model, probes, marks, now }, key === BASE ? {} : { pool: key });
      const before = this.#seen.get(key);
      if (before === undefined && result.probes.some((probe) => probe.status.state === 'pending')) continue;
      const up = result.status === 200;
      const reason = up ? 'OK' : result.body.split('\n').slice(1, -1).join('; ').slice(0, MAX_REASON);
      this.#seen.set(key, { up, reason });
      if (before?.up === up) continue;
      this.#deps.onChange({ pool: key === BASE ? undefined : key, up, from: before?.up, reason, failing: result.dead, since });
    }
  }
}

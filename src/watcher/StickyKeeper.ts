import type { WatcherStateFile } from '../flag-store/watcherState.ts';
import type { Logger } from '../log/Logger.ts';
import type { Marks } from '../marks/Mark.ts';
import { markFile } from '../marks/markFiles.ts';
import { formatMark } from '../marks/markFormat.ts';
import { readMarks as readMarksFromFolder } from '../marks/readMarks.ts';
import { writeMark as writeMarkFile } from '../marks/writeMark.ts';
import type { HealthModel } from '../verdict/healthModel.ts';
import type { ProbeStatus } from '../verdict/ProbeStatus.ts';
import { verdict } from '../verdict/verdict.ts';
import type { Clock } from '../clock/Clock.ts';
import { SerialLooks } from './SerialLooks.ts';

export interface StickyKeeperDeps {
  folder: string;
  /** The model of the config the watcher runs (replaced on reload). */
  model: () => HealthModel;
  /** The watcher's own view of its probes (Watcher.snapshot). */
  snapshot: () => Pick<WatcherStateFile, 'running' | 'failing'>;
  clock: Clock;
  log: Logger;
  /** How often to look besides after every change of a probe's state: an ack that ends changes a verdict alone. */
  everyMs?: number;
  readMarks?: (folder: string) => Promise<Marks>;
  writeMark?: (folder: string, file: string, text: string) => Promise<void>;
}

const UP: ProbeStatus = { state: 'up', reason: undefined };

/**
 * Writes `sticky/<category>` when a sticky category fails, so that it stays failed (through
 * restarts of either process) until `deadpool unstick`. The watcher does it, not the responder:
 * it knows the results first hand and already writes to the folder, while the responder stays a
 * reader. It asks the same verdict the responder gives, over the results it has seen: only a
 * probe that is down counts, never one not yet checked (a restart must not stick every category
 * that is pending for a moment) nor a drain (taken on purpose).
 */
export class StickyKeeper {
  readonly #deps: Required<StickyKeeperDeps>;
  readonly #looks: SerialLooks;

  constructor(deps: StickyKeeperDeps) {
    this.#deps = { everyMs: 1000, readMarks: readMarksFromFolder, writeMark: writeMarkFile, ...deps };
    this.#looks = new SerialLooks(() => this.#look(), this.#deps.clock, this.#deps.everyMs, (error: unknown) => this.#deps.log.error(`cannot keep the sticky marks in ${this.#deps.folder}: ${error instanceof Error ? error.message : String(error)}`));
  }

  start(): void {
    this.#looks.start();
  }

  stop(): Promise<void> {
    return this.#looks.stop();
  }

  /** Looks now; a look asked for while one runs is made right after it, never two at once. */
  check(): Promise<void> {
    return this.#looks.request();
  }

  async #look(): Promise<void> {
    const model = this.#deps.model();
    const sticky = [...model.categories.values()].filter((category) => category.sticky).map((category) => category.name);
    if (sticky.length === 0) return;
    const marks = await this.#deps.readMarks(this.#deps.folder);
    const marked = new Set(marks.sticky.map((mark) => mark.target));
    const { failing } = this.#deps.snapshot();
    const probes = new Map<string, ProbeStatus>();
    for (const name of model.probes.keys()) {
      const seen = failing[name];
      probes.set(name, seen?.state === 'down' ? { state: 'down', reason: seen.reason } : UP);
    }
    const now = this.#deps.clock.now();
    for (const category of sticky) {
      if (marked.has(category) || this.#looks.stopped) continue;
      const result = verdict({ model, probes, marks: { ...marks, drains: [], sticky: [], maint: [] }, now }, { categories: [category] });
      if (result.status === 200) continue;
      const reason = result.body.split('\n').slice(1, -1).join('; ').slice(0, 300);
      await this.#deps.writeMark(this.#deps.folder, markFile(this.#deps.folder, 'sticky', category), formatMark({ reason, by: 'watcher', at: now, until: undefined }));
      // The responder logs every mark as it appears (logMarkChanges), hand-made ones too: once is enough at warning.
      this.#deps.log.debug(`category ${category} failed and is sticky: ${reason}`, { category, reason });
    }
  }
}

import type { ActionConfig } from '../config/schema.ts';
import type { VerdictChange } from '../watcher/VerdictWatch.ts';
import { ActionRunner, type ActionRunnerDeps } from './ActionRunner.ts';

const BASE = '';

/**
 * Every action of the config, fed the watcher's verdict changes (VerdictWatch). A reload keeps an
 * action's runner (so a run in flight is never doubled by its new config) and gives it the
 * latest verdict of its pool when it is new or its pool changed, as at start-up.
 */
export class Actions {
  readonly #deps: ActionRunnerDeps;
  readonly #runners = new Map<string, ActionRunner>();
  /** The latest verdict of each selection: what a new action starts from. */
  readonly #latest = new Map<string, VerdictChange>();

  constructor(deps: ActionRunnerDeps) {
    this.#deps = deps;
  }

  get runners(): ReadonlyMap<string, ActionRunner> {
    return this.#runners;
  }

  /** Makes the actions match the config. */
  update(actions: Readonly<Record<string, ActionConfig>>): void {
    for (const [name, runner] of this.#runners) {
      if (actions[name] !== undefined) continue;
      this.#runners.delete(name);
      // Removed: a run in flight ends as it would have, nothing more runs.
      void runner.idle().then(() => runner.stop());
    }
    for (const [name, config] of Object.entries(actions)) {
      const runner = this.#runners.get(name);
      if (runner && runner.config.pool === config.pool) {
        runner.configure(config);
        continue;
      }
      const next = runner ?? new ActionRunner(name, config, this.#deps);
      next.configure(config);
      this.#runners.set(name, next);
      const latest = this.#latest.get(config.pool ?? BASE);
      if (latest) next.want({ ...latest, from: undefined });
    }
  }

  onChange(change: VerdictChange): void {
    const key = change.pool ?? BASE;
    this.#latest.set(key, change);
    for (const runner of this.#runners.values()) if ((runner.config.pool ?? BASE) === key) runner.want(change);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#runners.values()].map((runner) => runner.stop()));
  }
}

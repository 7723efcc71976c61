import type { Clock } from '../clock/Clock.ts';
import type { Logger } from '../log/Logger.ts';
import type { ActionConfig } from '../config/schema.ts';
import type { VerdictChange } from '../watcher/VerdictWatch.ts';
import { commandEnv, lastLines, outcomeText, type RunCommand } from './RunCommand.ts';

export interface ActionRunnerDeps {
  run: RunCommand;
  clock: Clock;
  log: Logger;
  /** Where commands run (config.yaml's folder, so relative paths in a command read as in the config). */
  cwd: string;
  /** Told each run as it starts (for tests and the benchmark): the pid, and the verdict it runs for. */
  onStarted?: (name: string, change: VerdictChange, pid: number) => void;
  /** Told each run as it ends. */
  onFinished?: (name: string, change: VerdictChange, outcome: string) => void;
}

/** Output kept per stream: the end of it, which says how the command ended. */
const MAX_OUTPUT = 4096;

/**
 * One action: `on_up` when its verdict turns up, `on_down` when it turns down, never two runs at
 * once. A change during a run waits for it, and only the latest verdict runs after it, and only
 * if it differs from the one just run (a flap back and forth during a run changes nothing).
 */
export class ActionRunner {
  readonly name: string;
  #config: ActionConfig;
  readonly #deps: ActionRunnerDeps;
  #running: Promise<void> | undefined;
  #next: VerdictChange | undefined;
  /** The verdict last acted on (or skipped at start): nothing to do while it holds. */
  #done: boolean | undefined;
  readonly #stop = new AbortController();

  constructor(name: string, config: ActionConfig, deps: ActionRunnerDeps) {
    this.name = name;
    this.#config = config;
    this.#deps = deps;
  }

  get config(): ActionConfig {
    return this.#config;
  }

  /** A new config for the next runs; a run in flight finishes with the old one. A new pool starts over, as at start-up. */
  configure(config: ActionConfig): void {
    if (config.pool !== this.#config.pool) {
      this.#done = undefined;
      this.#next = undefined;
    }
    this.#config = config;
  }

  /** The verdict of its pool changed (or is first known: `from` undefined). */
  want(change: VerdictChange): void {
    if (this.#stop.signal.aborted) return;
    if (this.#running) {
      this.#next = change;
      return;
    }
    if (change.from === undefined && this.#done === undefined && !this.#config.run_at_start) {
      this.#done = change.up;
      this.#deps.log.info(`action ${this.name}: first verdict ${change.up ? 'up' : 'down'}, not run (run_at_start is off)`, { action: this.name, state: change.up ? 'up' : 'down' });
      return;
    }
    if (change.up === this.#done) return;
    this.#running = this.#runFor(change).finally(() => {
      this.#running = undefined;
      const next = this.#next;
      this.#next = undefined;
      if (next) this.want(next);
    });
  }

  /** Kills a run in flight (its group) and runs nothing more; resolves once it ended. */
  stop(): Promise<void> {
    this.#stop.abort();
    return this.#running ?? Promise.resolve();
  }

  /** Resolves when no run is in flight. */
  idle(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  async #runFor(change: VerdictChange): Promise<void> {
    const config = this.#config;
    const state = change.up ? 'up' : 'down';
    const key = change.up ? 'on_up' : 'on_down';
    const command = config[key];
    this.#done = change.up;
    const { log, clock } = this.#deps;
    const whose = change.pool === undefined ? "the base URL's verdict" : `pool ${change.pool}'s verdict`;
    const fields = { action: this.name, state, pool: change.pool ?? '' };
    if (this.#stop.signal.aborted) return;
    if (command === undefined) {
      log.info(`action ${this.name}: ${whose} is ${state}, no ${key} to run`, fields);
      return;
    }
    const [file, ...args] = typeof command === 'string' ? ['/bin/sh', '-c', command] : command;
    const timeoutMs = Math.round(config.timeout * 1000);
    log.info(`action ${this.name}: ${whose} turned ${state} (${change.reason}): running ${key}`, { ...fields, reason: change.reason });
    const started = clock.now();
    const env = commandEnv({
      DEADPOOL_STATE: state,
      DEADPOOL_POOL: change.pool ?? '',
      DEADPOOL_FAILING: change.failing.join(' '),
      DEADPOOL_REASON: change.reason,
      DEADPOOL_ACTION: this.name,
      DEADPOOL_SINCE: String(change.since),
    });
    const outcome = await this.#deps.run({ file: file!, args, env, cwd: this.#deps.cwd, timeoutMs, maxOutput: MAX_OUTPUT, keep: 'tail' }, this.#stop.signal, (pid) =>
      this.#deps.onStarted?.(this.name, change, pid),
    );
    const durationMs = clock.now() - started;
    const ended = this.#stop.signal.aborted && outcome.kind !== 'exited' ? 'killed (its process group): DeadPool is stopping' : outcomeText(outcome, timeoutMs);
    const output = outcome.kind === 'exited' ? lastLines(outcome.stdout, outcome.stderr) : '';
    const ok = outcome.kind === 'exited' && outcome.code === 0;
    const line = `action ${this.name}: ${key} ${ended} in ${durationMs} ms${output === '' ? '' : `; last output:\n${output}`}`;
    const done = { ...fields, outcome: ended, duration_ms: durationMs, ...(outcome.kind === 'exited' && outcome.code !== null ? { exit_code: outcome.code } : {}), output };
    if (ok) log.info(line, done);
    else log.warning(line, done);
    this.#deps.onFinished?.(this.name, change, ended);
  }
}

import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../log/Logger.ts';
import { ConfigError } from './ConfigError.ts';
import { fileStamp, modulesStamp, scriptsStamp } from './folderStamps.ts';
import type { ConfigFile } from './readConfig.ts';

export interface HangupSource {
  on(event: 'SIGHUP', listener: () => void): unknown;
  off(event: 'SIGHUP', listener: () => void): unknown;
}

export interface LiveConfigDeps<T extends ConfigFile> {
  log: Logger;
  /** Reads the file again (throws ConfigError when it is invalid); the current config is passed to reuse what did not change. */
  load(current: T): Promise<T>;
  /** Applies a new valid config; the previous one is passed to tell what changed. */
  apply(next: T, previous: T): Promise<void>;
  /** An invalid edit was refused (the last good config keeps running); its problems, as logged. */
  refused?(problems: string[]): void;
  /** Probe module folders to follow (polled): a dropped or edited module reloads the config. None: only config.yaml. */
  moduleFolders?: readonly string[];
  /** Script folders to follow (polled): a script added, removed, edited or made executable reloads the config. */
  scriptFolders?: readonly string[];
  signals?: HangupSource;
  /** Coalesces the bursts of events one editor save makes. */
  debounceMs?: number;
  /** How often the module folders are looked at for new or edited modules. */
  modulePollMs?: number;
}

/**
 * Keeps a process on the newest valid config.yaml: reloaded when the file or a probe module
 * changes, and on SIGHUP. An invalid file is logged with the same messages as `deadpool validate`
 * and the last good config keeps running. Modules are re-imported only when their file changed.
 */
export class LiveConfig<T extends ConfigFile> {
  #current: T;
  readonly #deps: LiveConfigDeps<T>;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #modulePoll: NodeJS.Timeout | undefined;
  #modulesSeen = '';
  #chain: Promise<unknown> = Promise.resolve();
  readonly #onHangup = (): void => {
    this.#deps.log.info('SIGHUP: reloading the config');
    void this.reload();
  };

  constructor(initial: T, deps: LiveConfigDeps<T>) {
    this.#current = initial;
    this.#deps = deps;
  }

  get current(): T {
    return this.#current;
  }

  /**
   * Starts watching; resolves once the watch is in place. config.yaml is watched with chokidar;
   * module folders are polled, because chokidar misses files in a folder created after the watch
   * started, and in one deleted and created again.
   */
  async start(): Promise<void> {
    this.#deps.signals?.on('SIGHUP', this.#onHangup);
    const modules = this.#deps.moduleFolders ?? [];
    const scripts = this.#deps.scriptFolders ?? [];
    if (modules.length + scripts.length > 0) {
      const signature = async (): Promise<string> => `${await modulesStamp(modules)}\n${await scriptsStamp(scripts)}`;
      this.#modulesSeen = await signature();
      // As for config.yaml below: a module or script changed between the load and this first look
      // would otherwise be the baseline, never seen as a change.
      if (this.#modulesSeen !== `${this.#current.modulesStamp ?? ''}\n${this.#current.scriptsStamp}`) this.#schedule();
      this.#modulePoll = setInterval(() => {
        void signature().then((seen) => {
          if (seen === this.#modulesSeen) return;
          this.#modulesSeen = seen;
          this.#schedule();
        });
      }, this.#deps.modulePollMs ?? 500);
    }
    const watcher = watch(this.#current.file, { ignoreInitial: true, atomic: true });
    this.#watcher = watcher;
    watcher.on('all', () => this.#schedule());
    watcher.on('error', (error) => this.#deps.log.error(`watching the config: ${(error as Error).message}`));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    // The process started working on the config it read before this watch existed: an edit made in
    // between raised no event, so it is caught here.
    if ((await fileStamp(this.#current.file)) !== this.#current.stamp) this.#schedule();
  }

  async close(): Promise<void> {
    this.#deps.signals?.off('SIGHUP', this.#onHangup);
    clearTimeout(this.#timer);
    clearInterval(this.#modulePoll);
    await this.#watcher?.close();
    await this.#chain;
  }

  /** Loads the file again and applies it if valid; resolves true when applied. Reloads never overlap. */
  reload(): Promise<boolean> {
    const next = this.#chain.then(() => this.#reloadNow());
    this.#chain = next.catch(() => undefined);
    return next;
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.reload(), this.#deps.debounceMs ?? 100);
  }

  async #reloadNow(): Promise<boolean> {
    const { log } = this.#deps;
    let next: T;
    try {
      next = await this.#deps.load(this.#current);
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [String(error)];
      log.error(`config not reloaded, the last good one keeps running: ${problems.length} problem(s)`);
      for (const problem of problems) log.error(problem);
      this.#deps.refused?.(problems);
      return false;
    }
    const previous = this.#current;
    this.#current = next;
    await this.#deps.apply(next, previous);
    const probes = Object.values(next.config.probes);
    log.info(`config reloaded: ${probes.length} probes, ${probes.filter((p) => p.isEnabled).length} enabled`);
    return true;
  }
}

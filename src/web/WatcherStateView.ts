import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseWatcherState, STATE_FILE, type WatcherState } from '../flag-store/watcherState.ts';
import { PolledView } from './PolledView.ts';

export interface WatcherStateSnapshot {
  /** undefined when there is no usable state file: no watcher has run here, or it cannot be read. */
  state: WatcherState | undefined;
  /** Why `state` is undefined. */
  problem: string | undefined;
}

/**
 * The responder's copy of the watcher's heartbeat file: read as soon as the watcher renames a new
 * one into place (an inotify watch on the folder), and polled with a cheap stat as well (re-read
 * only when it changed), which keeps working through the folder being deleted, replaced or made
 * unreadable, and wherever a watch cannot be made.
 */
export class WatcherStateView extends PolledView<WatcherStateSnapshot> {
  readonly file: string;
  #version = '';

  /**
   * The poll's 250 ms only bound how late a change is seen when the watch missed it: a probe
   * coming back up is a 200 once its new state is read here (it was 25 ms of polling alone).
   */
  constructor(folder: string, intervalMs = 250) {
    super({ state: undefined, problem: 'not read yet' }, intervalMs, { folder, names: (name) => name === STATE_FILE });
    this.file = path.join(folder, STATE_FILE);
  }

  protected async read(): Promise<void> {
    try {
      const info = await stat(this.file);
      const version = `${info.ino}:${info.mtimeMs}:${info.size}`;
      if (version === this.#version) return;
      const state = parseWatcherState(await readFile(this.file, 'utf8'), this.current.state);
      this.#version = state ? version : '';
      this.replace(state ? { state, problem: undefined } : { state: undefined, problem: 'the watcher state file is not valid' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      this.#version = '';
      const problem = code === 'ENOENT' ? 'no watcher state file' : `watcher state unreadable (${code ?? String(error)})`;
      // Polled every 25 ms: a file that stays missing is one change, not forty a second.
      if (this.current.state === undefined && this.current.problem === problem) return;
      this.replace({ state: undefined, problem });
    }
  }
}

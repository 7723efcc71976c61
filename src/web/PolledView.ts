import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';

/** Names in a folder whose change should be read at once, without waiting for the next poll. */
export interface WakeOn {
  folder: string;
  names: (name: string) => boolean;
}

/**
 * A value the responder keeps in memory from files it polls: the watcher's heartbeat, the
 * operator's marks. Polling keeps working whatever happens to the folder (deleted, replaced, made
 * unreadable). With `wakeOn`, an inotify watch on the folder reads a change of those names at
 * once and the poll is only the safety net, so it can be slow: polling fast cost the responder
 * 4 % of a core at rest (70 file operations a second through libuv's thread pool), taken from
 * the fast path under a flood (BENCHMARKS.md, "Session 7"). Reads never overlap; a change that
 * arrives during a read is read after it; listeners hear of each replacement.
 */
export abstract class PolledView<T> {
  readonly ready: Promise<void>;
  #value: T;
  readonly #timer: NodeJS.Timeout;
  #polling: Promise<void> | undefined;
  #again = false;
  #closed = false;
  readonly #listeners = new Set<() => void>();
  readonly #wakeOn: WakeOn | undefined;
  #watch: { watcher: FSWatcher; folderIno: number } | undefined;

  /** `initial` is shown until the first read replaces it; the first read starts once the subclass is built. */
  constructor(initial: T, intervalMs: number, wakeOn?: WakeOn) {
    this.#value = initial;
    this.#wakeOn = wakeOn;
    // A microtask later: read() uses the subclass's fields, which do not exist yet.
    this.ready = Promise.resolve().then(() => Promise.all([this.#poll(), this.#keepWatching()])).then(() => undefined);
    this.#timer = setInterval(() => {
      void this.#poll();
      void this.#keepWatching();
    }, intervalMs);
    this.#timer.unref();
  }

  get current(): T {
    return this.#value;
  }

  /** Called whenever `current` is replaced; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#watch?.watcher.close();
    this.#watch = undefined;
    this.#listeners.clear();
    await this.#polling;
  }

  /** One look at the files: calls `replace` when the value changed. */
  protected abstract read(): Promise<void>;

  protected replace(value: T): void {
    this.#value = value;
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch {
        // A listener's fault is its own; the view must keep polling.
      }
    }
  }

  #poll(): Promise<void> {
    if (this.#polling) {
      this.#again = true;
      return this.#polling;
    }
    this.#polling = (async () => {
      do {
        this.#again = false;
        await this.read();
      } while (this.#again && !this.#closed);
    })().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  /**
   * Watches the folder, again after it was replaced or came back (a watch stays on the folder it
   * was made on, and goes silent when that one is deleted): checked at each poll.
   */
  async #keepWatching(): Promise<void> {
    const wakeOn = this.#wakeOn;
    if (wakeOn === undefined || this.#closed) return;
    const ino = await stat(wakeOn.folder).then((info) => info.ino, () => undefined);
    if (this.#closed || (this.#watch !== undefined && this.#watch.folderIno === ino)) return;
    this.#watch?.watcher.close();
    this.#watch = undefined;
    if (ino === undefined) return;
    try {
      const watcher = watch(wakeOn.folder, { persistent: false }, (_event, name) => {
        if (name === null || wakeOn.names(String(name))) void this.#poll();
      });
      watcher.on('error', () => {
        watcher.close();
        if (this.#watch?.watcher === watcher) this.#watch = undefined;
      });
      this.#watch = { watcher, folderIno: ino };
    } catch {
      // No watch (no inotify left, the folder gone meanwhile): the poll still reads, and the next one tries again.
    }
  }
}

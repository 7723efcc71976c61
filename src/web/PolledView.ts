/**
 * A value the responder keeps in memory from files it polls: the watcher's heartbeat, the
 * operator's marks. Polling rather than watching keeps working whatever happens to the folder
 * (deleted, replaced, made unreadable). Reads never overlap; listeners hear of each replacement.
 */
export abstract class PolledView<T> {
  readonly ready: Promise<void>;
  #value: T;
  readonly #timer: NodeJS.Timeout;
  #polling: Promise<void> | undefined;
  readonly #listeners = new Set<() => void>();

  /** `initial` is shown until the first read replaces it; the first read starts once the subclass is built. */
  constructor(initial: T, intervalMs: number) {
    this.#value = initial;
    // A microtask later: read() uses the subclass's fields, which do not exist yet.
    this.ready = Promise.resolve().then(() => this.#poll());
    this.#timer = setInterval(() => void this.#poll(), intervalMs);
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
    clearInterval(this.#timer);
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
    this.#polling ??= this.read().finally(() => (this.#polling = undefined));
    return this.#polling;
  }
}

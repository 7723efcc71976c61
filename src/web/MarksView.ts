import { NO_MARKS, type Marks } from '../marks/Mark.ts';
import { readMarks } from '../marks/readMarks.ts';

/**
 * The responder's copy of the operator's marks (acks, drains, sticky marks), polled: they are a
 * handful of small files, and a poll keeps working whatever happens to the folders (made by hand,
 * removed, replaced). `current` is replaced only when a mark changed, so the verdicts made from
 * it are reused in between.
 */
export class MarksView {
  readonly ready: Promise<void>;
  #marks: Marks = NO_MARKS;
  #text = JSON.stringify(NO_MARKS);
  readonly #timer: NodeJS.Timeout;
  #polling: Promise<void> | undefined;
  readonly #listeners = new Set<() => void>();
  readonly #folder: string;

  /** 200 ms: `deadpool drain` takes effect within that, long before Cloudflare's next look. */
  constructor(folder: string, intervalMs = 200) {
    this.#folder = folder;
    this.ready = this.#poll();
    this.#timer = setInterval(() => void this.#poll(), intervalMs);
    this.#timer.unref();
  }

  get current(): Marks {
    return this.#marks;
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

  #poll(): Promise<void> {
    this.#polling ??= this.#read().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  async #read(): Promise<void> {
    const marks = await readMarks(this.#folder);
    const text = JSON.stringify(marks);
    if (text === this.#text) return;
    this.#text = text;
    this.#marks = marks;
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch {
        // A listener's fault is its own; the view must keep polling.
      }
    }
  }
}

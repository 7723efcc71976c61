import { NO_MARKS, type Marks } from '../marks/Mark.ts';
import { readMarks } from '../marks/readMarks.ts';
import { PolledView } from './PolledView.ts';

/**
 * The responder's copy of the operator's marks (acks, drains, sticky marks), polled: they are a
 * handful of small files, and a poll keeps working whatever happens to the folders (made by hand,
 * removed, replaced). `current` is replaced only when a mark changed, so the verdicts made from
 * it are reused in between.
 */
export class MarksView extends PolledView<Marks> {
  #text = JSON.stringify(NO_MARKS);
  readonly #folder: string;

  /** 200 ms: `deadpool drain` takes effect within that, long before Cloudflare's next look. */
  constructor(folder: string, intervalMs = 200) {
    super(NO_MARKS, intervalMs);
    this.#folder = folder;
  }

  protected async read(): Promise<void> {
    const marks = await readMarks(this.#folder);
    const text = JSON.stringify(marks);
    if (text === this.#text) return;
    this.#text = text;
    this.replace(marks);
  }
}

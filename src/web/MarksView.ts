import { NO_MARKS, type Marks } from '../marks/Mark.ts';
import { DC_FILES, SUBFOLDERS } from '../marks/markFiles.ts';
import { readMarks } from '../marks/readMarks.ts';
import { PolledView } from './PolledView.ts';

/** The names in the folder itself that hold marks: the DC's own files and the marks' subfolders. */
const MARK_NAMES = new Set([...Object.values(DC_FILES), ...Object.values(SUBFOLDERS)]);

/**
 * The responder's copy of the operator's marks (acks, drains, sticky marks), polled: they are a
 * handful of small files, and a poll keeps working whatever happens to the folders (made by hand,
 * removed, replaced). The DC's own marks (`deadpool drain` without a pool) are read at once, on
 * an inotify watch of the folder. `current` is replaced only when a mark changed, so the verdicts
 * made from it are reused in between.
 */
export class MarksView extends PolledView<Marks> {
  #text = JSON.stringify(NO_MARKS);
  readonly #folder: string;

  /**
   * 500 ms: a mark of a pool, a category or a probe (in a subfolder) takes effect within that,
   * long before Cloudflare's next look; the DC's own at once.
   */
  constructor(folder: string, intervalMs = 500) {
    super(NO_MARKS, intervalMs, { folder, names: (name) => MARK_NAMES.has(name) });
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

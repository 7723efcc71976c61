/** Operator marks: files an operator can `cat`, write by hand, or have the CLI write (src/marks/markFiles.ts). */
export type MarkKind = 'ack' | 'drain' | 'sticky' | 'maint';

export interface Mark {
  kind: MarkKind;
  /** The probe (ack), pool (drain) or category (sticky) it is on; undefined for the whole DC (always, for maint). */
  target: string | undefined;
  /** The file, as shown to operators. */
  file: string;
  reason: string;
  /** Who wrote it; undefined when written by hand (no `by:` line). */
  by: string | undefined;
  /** Epoch ms it was made: its `at:` line, else the file's mtime. */
  at: number;
  /** Epoch ms it ends; undefined: until the file is removed. An ack always has one. */
  until: number | undefined;
  /** Set when the file could not be read or parsed: an ack is then ignored, a drain still drains, a maint still holds. */
  problem?: string;
}

/** Every mark in the folder, each list sorted by target (the DC-wide mark first). */
export interface Marks {
  acks: readonly Mark[];
  drains: readonly Mark[];
  sticky: readonly Mark[];
  /** The DC's maintenance (`deadpool maint`): none or one. */
  maint: readonly Mark[];
}

export const NO_MARKS: Marks = { acks: [], drains: [], sticky: [], maint: [] };

/** Whether a mark still holds at `now`. One with a problem holds (a drain) or is ignored (an ack) by the verdict, not here. */
export const markActive = (mark: Mark, now: number): boolean => mark.until === undefined || now < mark.until;

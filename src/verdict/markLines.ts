import type { Mark } from '../marks/Mark.ts';
import { isoSeconds } from '../marks/markFormat.ts';
import { MAX_REASON_CHARS } from './boundedBody.ts';
import { plainLine } from './plainLine.ts';

const reasonOf = (mark: Mark): string => plainLine(mark.reason, MAX_REASON_CHARS);
const byOf = (mark: Mark): string => plainLine(mark.by ?? 'hand', 100);

/** `ACKED by alice until 2030-01-31T12:00:00Z: reindexing`. */
export function ackText(ack: Mark): string {
  return `ACKED by ${byOf(ack)} until ${isoSeconds(ack.until ?? ack.at)}: ${reasonOf(ack)}`;
}

/** `drained by alice until 2030-01-31T12:30:00Z (29 min left): moving racks`, prefixed with the pool for a pool's drain. */
export function drainText(drain: Mark, now: number): string {
  const what = drain.target === undefined ? 'drained' : `pool ${drain.target} drained`;
  if (drain.problem !== undefined) return `${what} until its file is removed: ${plainLine(drain.problem, MAX_REASON_CHARS)}`;
  const until = drain.until === undefined ? 'until removed' : `until ${isoSeconds(drain.until)} (${leftText(drain.until - now)})`;
  return `${what} by ${byOf(drain)} ${until}: ${reasonOf(drain)}`;
}

/** `in maintenance by alice until 2030-01-31T12:30:00Z (29 min left): new switches`: HAProxy's MAINT, Cloudflare's 503. */
export function maintText(maint: Mark, now: number): string {
  if (maint.problem !== undefined) return `in maintenance until its file is removed: ${plainLine(maint.problem, MAX_REASON_CHARS)}`;
  const until = maint.until === undefined ? 'until removed' : `until ${isoSeconds(maint.until)} (${leftText(maint.until - now)})`;
  return `in maintenance by ${byOf(maint)} ${until}: ${reasonOf(maint)}`;
}

/** `search: failed at 2030-01-31T12:00:00Z and stays failed: <reason> (deadpool unstick search)`. */
export function stickyText(mark: Mark): string {
  if (mark.target === undefined) return `sticky marks unknown, so every category counts as failed: ${plainLine(mark.problem ?? mark.reason, MAX_REASON_CHARS)}`;
  const why = mark.problem === undefined ? reasonOf(mark) : plainLine(mark.problem, MAX_REASON_CHARS);
  return `${mark.target}: failed at ${isoSeconds(mark.at)} and stays failed: ${why} (deadpool unstick ${mark.target})`;
}

/** How long is left, in the unit a person wants: seconds in the last minute, then minutes, then hours and minutes. */
export function leftText(ms: number): string {
  if (ms <= 60_000) return `${Math.max(1, Math.ceil(ms / 1000))} s left`;
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 120) return `${minutes} min left`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}

/** How long (ms) `leftText` keeps giving the same words for `ms` left, so an answer showing it can be reused that long. */
export function leftTextHolds(ms: number): number {
  const unit = ms <= 60_000 ? 1000 : 60_000;
  const boundary = Math.max((Math.ceil(ms / unit) - 1) * unit, unit === 60_000 ? 60_000 : 0);
  return Math.max(1, ms - boundary);
}

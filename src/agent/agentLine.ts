import { plainLine } from '../verdict/plainLine.ts';
import type { Verdict } from '../verdict/verdict.ts';

/** HAProxy keeps the description for its logs and stats page: a sentence, not a report. */
export const MAX_DESCRIPTION_CHARS = 200;

/**
 * The HAProxy agent-check line (without its newline) for a verdict, as a pure function of it and
 * the weight (configuration.txt §5.2). HAProxy applies the admin state, then the weight, then the
 * health, so each line carries what the server must become whatever it was told before:
 * - `maint` while the DC is in maintenance: alone, since HAProxy neither sends traffic nor
 *   reports health in MAINT, and the next line (`ready` or `drain`) is what brings it back;
 * - otherwise the admin state `ready` or `drain` (a drain of the DC or of the agent's pool)
 *   with the health the probes give: `up <weight>%`, or `down #<first failing probe>: <reason>`.
 * `ready` is said on every line so that a drain or maint the agent set ends when the mark does.
 * Anything that keeps the verdict from being healthy (a silent watcher, an unreadable folder, a
 * sticky mark) is `down`.
 */
export function agentLine(result: Verdict, weightPercent: number): string {
  if (result.maint) return 'maint';
  const admin = result.drains.length > 0 ? 'drain' : 'ready';
  if (result.healthy) return `up ${admin} ${Math.max(0, Math.round(weightPercent))}%`;
  const why = plainLine(result.firstFailure ?? '', MAX_DESCRIPTION_CHARS) || 'the verdict fails';
  return `down ${admin} #${why}`;
}

import type { Logger } from '../log/Logger.ts';
import { systemClock, type Clock } from '../clock/Clock.ts';
import { checkOnChange } from './checkOnChange.ts';
import type { Verdict } from '../verdict/verdict.ts';
import type { Verdicts } from './memoizedVerdicts.ts';

/** Failing probes named in one change record; the rest are counted. */
export const MAX_NAMED_PROBES = 10;

export interface AnswerChangeDeps {
  verdicts: Verdicts;
  /** The pools of the current config: each pool's answer is logged too, as `pool <name> now answering …`. */
  pools?: () => Iterable<string>;
  logger: Logger;
  /** Sources whose changes can change the answer (the flag view, the watcher's state): each takes a listener and returns its unsubscribe. */
  changes: ((listener: () => void) => () => void)[];
  clock?: Clock;
  /** Time alone changes the answer too (a watcher falling silent sends no event): it is also looked at this often. */
  recheckMs?: number;
}

export interface AnswerChangeLog {
  close(): void;
}

/**
 * Logs the answer of the base URL and of each pool whenever it changes (200 ↔ 503, which probes
 * fail, a drain, a sticky category), once per change, naming the failing probes; the answer at
 * start counts as a change. Driven by the views'
 * changes, not by requests: with Cloudflare asking once a minute, a DC that failed and recovered
 * between two requests must still leave both in the log, at the time they happened.
 */
export function logAnswerChanges({ verdicts, pools = () => [], logger, changes, clock = systemClock, recheckMs = 250 }: AnswerChangeDeps): AnswerChangeLog {
  const last = new Map<string, { verdict: Verdict; key: string }>();
  let lastError: string | undefined;
  const checkOne = (pool: string | undefined): void => {
    const current = verdicts(pool === undefined ? {} : { pool });
    const label = pool ?? '';
    const before = last.get(label);
    // The memo hands back the same object while nothing changed: most looks end here.
    if (current === before?.verdict) return;
    // Reasons are left out: "no result for 14 s" changes every second and is not a new answer.
    const problem = current.dead.length === 0 && current.status !== 200 ? current.problems.join('; ') || `answer ${current.status}` : '';
    const key = `${current.status} ${problem} ${current.dead.join('/')}`;
    last.set(label, { verdict: current, key });
    if (key === before?.key) return;
    const who = pool === undefined ? 'now answering' : `pool ${pool} now answering`;
    const fields = { component: 'web', status: current.status, ...(pool === undefined ? {} : { pool }) };
    if (current.status === 200) {
      logger.info(`${who} 200 OK`, fields);
      return;
    }
    const named = current.dead.slice(0, MAX_NAMED_PROBES);
    const more = current.dead.length - named.length;
    const list = named.join(', ') + (more > 0 ? ` and ${more} more` : '');
    logger.warning(`${who} ${current.status}: ${[problem, list].filter((part) => part !== '').join('; ')}`, { ...fields, dead: list || undefined, dead_count: current.dead.length });
  };
  const check = (): void => {
    try {
      checkOne(undefined);
      const names = new Set(pools());
      for (const pool of names) checkOne(pool);
      for (const label of last.keys()) if (label !== '' && !names.has(label)) last.delete(label);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      if (text !== lastError) logger.error(`working out the answer failed: ${text}`, { component: 'web' });
      lastError = text;
      return;
    }
    lastError = undefined;
  };
  return checkOnChange(check, changes, clock, recheckMs);
}

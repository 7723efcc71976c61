import type { Logger } from '../log/Logger.ts';
import { systemClock, type Clock } from '../watcher/Clock.ts';
import type { Verdict } from './verdict.ts';

/** Failing probes named in one change record; the rest are counted. */
export const MAX_NAMED_PROBES = 10;

export interface AnswerChangeDeps {
  verdict: () => Verdict;
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
 * Logs the responder's answer whenever it changes (200 ↔ 503, or which probes fail), once per
 * change, naming the failing probes; the answer at start counts as a change. Driven by the view's
 * changes, not by requests: with Cloudflare asking once a minute, a DC that failed and recovered
 * between two requests must still leave both in the log, at the time they happened.
 */
export function logAnswerChanges({ verdict, logger, changes, clock = systemClock, recheckMs = 250 }: AnswerChangeDeps): AnswerChangeLog {
  let lastKey: string | undefined;
  let lastVerdict: Verdict | undefined;
  let lastError: string | undefined;
  let timer: unknown;
  let closed = false;
  const check = (): void => {
    if (closed) return;
    let current: Verdict;
    try {
      current = verdict();
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      if (text !== lastError) logger.error(`working out the answer failed: ${text}`, { component: 'web' });
      lastError = text;
      return;
    }
    lastError = undefined;
    // The memo hands back the same object while nothing changed: most looks end here.
    if (current === lastVerdict) return;
    lastVerdict = current;
    // Reasons are left out: "no result for 14 s" changes every second and is not a new answer.
    const problem = current.dead.length === 0 && current.status !== 200 ? folderProblem(current) : '';
    const key = `${current.status} ${problem} ${current.dead.join('/')}`;
    if (key === lastKey) return;
    lastKey = key;
    if (current.status === 200) {
      logger.info('now answering 200 OK', { component: 'web', status: 200 });
      return;
    }
    const named = current.dead.slice(0, MAX_NAMED_PROBES);
    const more = current.dead.length - named.length;
    const list = named.join(', ') + (more > 0 ? ` and ${more} more` : '');
    logger.warning(`now answering ${current.status}: ${problem || list}`, {
      component: 'web',
      status: current.status,
      dead: list || undefined,
      dead_count: current.dead.length,
    });
  };
  const recheck = (): void => {
    check();
    if (!closed) timer = clock.setTimeout(recheck, recheckMs);
  };
  const unsubscribe = changes.map((subscribe) => subscribe(check));
  recheck();
  return {
    close() {
      closed = true;
      clock.clearTimeout(timer);
      for (const stop of unsubscribe) stop();
    },
  };
}

/** The line after the header of a 503 that names no probe: "cannot read the flag folder: …". */
function folderProblem(current: Verdict): string {
  return current.body.split('\n')[1] ?? `answer ${current.status}`;
}

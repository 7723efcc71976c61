import { systemClock, type Clock } from '../clock/Clock.ts';
import { settled, statusText } from '../systemd/statusText.ts';
import type { Verdict } from '../verdict/verdict.ts';
import { checkOnChange } from './checkOnChange.ts';

export interface AnswerReportDeps {
  /** The base URL's answer (the memoized verdict: cheap while nothing changed). */
  answer: () => Verdict;
  /** Called with the STATUS= text and whether the answer rests on results: on every change, and every `everyMs` besides. */
  report: (text: string, settled: boolean) => void;
  /** Sources whose changes can change the answer; each takes a listener and returns its unsubscribe. */
  changes: ((listener: () => void) => () => void)[];
  clock?: Clock;
  /** How often time alone is looked at (a watcher falling silent raises no event). */
  recheckMs?: number;
  /** The same report is repeated this often: to `deadpool run` it is also the responder's sign of life. */
  everyMs?: number;
}

/** Reports the base URL's answer for systemd (`STATUS=`, READY=1), straight or through `deadpool run`. */
export function reportAnswer({ answer, report, changes, clock = systemClock, recheckMs = 250, everyMs = 1000 }: AnswerReportDeps): { close(): void } {
  let last: { text: string; settled: boolean; at: number } | undefined;
  const check = (): void => {
    let text: string;
    let ready: boolean;
    try {
      const current = answer();
      text = statusText(current);
      ready = settled(current);
    } catch (error) {
      // Fail closed here too: an answer that cannot be worked out is a 503.
      text = `503: working out the answer failed: ${error instanceof Error ? error.message : String(error)}`;
      ready = false;
    }
    const now = clock.now();
    if (last && last.text === text && last.settled === ready && now - last.at < everyMs) return;
    last = { text, settled: ready, at: now };
    report(text, ready);
  };
  return checkOnChange(check, changes, clock, recheckMs);
}

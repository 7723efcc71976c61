import type { Verdict } from '../verdict/verdict.ts';

/** Probes named in STATUS= (systemctl status shows one line); the rest are counted. */
export const MAX_STATUS_PROBES = 10;

/** STATUS= for an answer: `200 OK`, or `503: es-1, es-2` (the failing probes, else the problems: a drain, a silent watcher). */
export function statusText(answer: Verdict): string {
  if (answer.status === 200) return '200 OK';
  if (answer.dead.length === 0) return `503: ${answer.problems.join('; ') || 'failing'}`;
  return `503: ${namedList(answer.dead)}`;
}

/** `a, b and 3 more`. */
export function namedList(names: readonly string[]): string {
  const named = names.slice(0, MAX_STATUS_PROBES);
  const more = names.length - named.length;
  return named.join(', ') + (more > 0 ? ` and ${more} more` : '');
}

/**
 * Whether the answer rests on results: every probe has a first result or is past its first
 * deadline (the watcher then calls it overdue). A probe still pending, or a watcher not heard
 * from, means not yet: READY=1 waits for it.
 */
export function settled(answer: Verdict): boolean {
  return answer.probes.every((probe) => probe.status.state !== 'pending' && probe.status.state !== 'unknown');
}

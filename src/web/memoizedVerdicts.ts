import type { Marks } from '../marks/Mark.ts';
import type { HealthModel } from '../verdict/healthModel.ts';
import { probeStatuses, type FlagsSeen, type Freshness, type ProbeStatuses } from '../verdict/probeStatuses.ts';
import { verdict, type Selection, type Verdict } from '../verdict/verdict.ts';

/** Everything the answer is made of; each is read again on every call, so a reload takes effect. */
export interface VerdictSources {
  /** One object per loaded config. */
  getModel: () => HealthModel;
  getState: () => FlagsSeen;
  /** The watcher's heartbeat, the time and the grace: a probe without a fresh result fails. */
  getFreshness: () => Freshness;
  /** Acks, drains and sticky marks; one object until they change. */
  getMarks: () => Marks;
}

/** The verdict for a selection, worked out again only when something it is made of changed. */
export type Verdicts = (selection?: Selection) => Verdict;

/** The base URL's selection: every category. */
const EVERY: Selection = {};

/** Selections remembered at once: the base URL, each pool, a few `?categories=`; a flood of odd queries only recomputes. */
const MAX_SELECTIONS = 64;

/**
 * Verdicts worked out again only when something they are made of changed. The inputs are
 * snapshots that are replaced, never changed (the flag view's state, the heartbeat, the model of
 * one config, the marks), so the same objects and a time before `validUntil` give the same
 * verdict: Cloudflare, or a flood, asking thousands of times a second costs one verdict per
 * change and selection, not one per request. The responder's answers, /__health (which adds
 * each probe's last check as it renders its row: `withCheck`) and its log of answer changes
 * share one.
 */
export function memoizedVerdicts(sources: VerdictSources): Verdicts {
  let statusMemo: { model: HealthModel; state: FlagsSeen; watcher: unknown; graceMs: number; result: ProbeStatuses } | undefined;
  const memo = new Map<string, { probes: ProbeStatuses['probes']; blocker: string | undefined; marks: Marks; model: HealthModel; result: Verdict }>();
  // The routes hand the same selection object to every request: its key is built once, not per request.
  const keys = new WeakMap<Selection, string>();
  return (selection = EVERY) => {
    const model = sources.getModel();
    const state = sources.getState();
    const freshness = sources.getFreshness();
    const marks = sources.getMarks();
    const now = freshness.now;
    let statuses = statusMemo?.result;
    const last = statusMemo;
    if (!last || !statuses || last.model !== model || last.state !== state || last.watcher !== freshness.watcher || last.graceMs !== freshness.graceMs || now > statuses.validUntil) {
      const fresh = probeStatuses(model.probes.keys(), state, freshness);
      // A heartbeat that changed nothing keeps the last map, and with it the memoized verdicts:
      // working them out again twice a second for 1,000 probes kept objects alive for one
      // heartbeat each, long enough to reach the old generation (RSS +15 MB). Only the time
      // each probe's status holds moves on.
      statuses = last && last.model === model && sameStatuses(last.result, fresh) ? { ...fresh, probes: last.result.probes } : fresh;
      statusMemo = { model, state, watcher: freshness.watcher, graceMs: freshness.graceMs, result: statuses };
    }
    let key = keys.get(selection);
    if (key === undefined) {
      key = `${selection.pool ?? ''}|${selection.categories?.join(',') ?? '*'}`;
      keys.set(selection, key);
    }
    const known = memo.get(key);
    // The statuses' own time limit is checked above (a newer heartbeat extends it); the verdict's
    // (acks and drains ending) is its own, so it is worked out without the statuses' limit.
    if (known && known.probes === statuses.probes && known.blocker === statuses.blocker && known.marks === marks && known.model === model && now <= known.result.validUntil) return known.result;
    const result = verdict({ model, probes: statuses.probes, blocker: statuses.blocker, marks, now }, selection);
    if (!known && memo.size >= MAX_SELECTIONS) memo.delete(memo.keys().next().value!);
    memo.set(key, { probes: statuses.probes, blocker: statuses.blocker, marks, model, result });
    return result;
  };
}

/** Whether two sets of statuses give every probe the same state and reason (and the same blocker). */
function sameStatuses(before: ProbeStatuses, after: ProbeStatuses): boolean {
  if (before.blocker !== after.blocker || before.probes.size !== after.probes.size) return false;
  for (const [probe, status] of after.probes) {
    const was = before.probes.get(probe);
    if (was === undefined || was.state !== status.state || was.reason !== status.reason) return false;
  }
  return true;
}

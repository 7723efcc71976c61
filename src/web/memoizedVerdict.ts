import type { WebConfig } from '../config/schema.ts';
import type { FlagViewState } from './FlagView.ts';
import { verdict, verdictExpiry, type Freshness, type Verdict } from './verdict.ts';

/** Everything the answer is made of; each is read again on every call, so a reload takes effect. */
export interface VerdictInputs {
  getState: () => FlagViewState;
  getEnabledProbes: () => Iterable<string>;
  getWebConfig: () => Pick<WebConfig, 'name'>;
  /** The watcher's heartbeat, the time and the grace: a probe without a fresh result fails. */
  getFreshness: () => Freshness;
}

/**
 * The current verdict, worked out again only when something it is made of changed. The inputs
 * are snapshots that are replaced, never changed (the flag view's state, the heartbeat, the list
 * of enabled probes for one config), so the same objects and a time before `validUntil` give the
 * same verdict: Cloudflare, or a flood, asking thousands of times a second costs one verdict per
 * change, not one per request. The responder's answers and its log of answer changes share one.
 */
export function memoizedVerdict(inputs: VerdictInputs): () => Verdict {
  let memo: { enabled: Iterable<string>; state: unknown; name: string; watcher: unknown; graceMs: number; validUntil: number; result: Verdict } | undefined;
  return () => {
    let enabled = inputs.getEnabledProbes();
    const state = inputs.getState();
    const name = inputs.getWebConfig().name;
    const freshness = inputs.getFreshness();
    const last = memo;
    if (last && last.enabled === enabled && last.state === state && last.name === name && last.watcher === freshness.watcher && last.graceMs === freshness.graceMs && freshness.now <= last.validUntil) {
      return last.result;
    }
    // Read twice below: a one-shot iterable is copied (and then never matches the memo).
    if (!Array.isArray(enabled)) enabled = [...enabled];
    const result = verdict(enabled, state, name, freshness);
    memo = { enabled, state, name, watcher: freshness.watcher, graceMs: freshness.graceMs, validUntil: verdictExpiry(enabled, state, freshness), result };
    return result;
  };
}

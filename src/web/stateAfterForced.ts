import type { ProbeCheck, WatcherState } from '../flag-store/watcherState.ts';
import type { ForcedCheck } from '../watcher-link/forceProtocol.ts';

/**
 * The watcher's state as its forced checks left it, for `?cache=false` to answer through the one
 * verdict: each result's state replaces the probe's `failing` entry (up removes it) and its check
 * the probe's entry of `checks`. Everything else (`written_at` and the watcher's freshness,
 * `running`, the probes with no result in time) stays as the state file says, so fail closed
 * holds unchanged. `checks` stays lazy: only /__health reads it.
 */
export function stateAfterForced(state: WatcherState, results: ReadonlyMap<string, ForcedCheck>): WatcherState {
  if (results.size === 0) return state;
  const failing = { ...state.failing };
  for (const [probe, check] of results) {
    if (!state.running.has(probe)) continue;
    if (check.state === 'up') delete failing[probe];
    else if (check.state === 'down') failing[probe] = { state: 'down', reason: check.down_reason ?? check.reason };
    else failing[probe] = { state: 'pending', reason: failing[probe]?.reason ?? 'pending' };
  }
  let checks: Map<string, ProbeCheck> | undefined;
  // Copied as descriptors: spreading would call the `checks` getter and build the Map now.
  return Object.defineProperties({}, {
    ...Object.getOwnPropertyDescriptors(state),
    failing: { value: failing, enumerable: true },
    checks: { enumerable: true, get: () => (checks ??= withForced(state, results)) },
    checkOf: { enumerable: true, value: (probe: string): ProbeCheck | undefined => (state.running.has(probe) && results.has(probe) ? forcedCheck(results.get(probe)!) : state.checkOf(probe)) },
  }) as WatcherState;
}

function forcedCheck({ at, duration_ms, ok, since, reason }: ForcedCheck): ProbeCheck {
  return { at, duration_ms, ok, since, ...(ok ? {} : { reason }) };
}

function withForced(state: WatcherState, results: ReadonlyMap<string, ForcedCheck>): Map<string, ProbeCheck> {
  const checks = new Map(state.checks);
  for (const [probe, result] of results) if (state.running.has(probe)) checks.set(probe, forcedCheck(result));
  return checks;
}

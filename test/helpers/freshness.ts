import type { Freshness } from '../../src/web/verdict.ts';

/** A heartbeat in which every named probe completed a check just now. */
export function freshFor(probes: Iterable<string>, now = Date.now()): Freshness {
  const published = Object.fromEntries([...probes].map((name) => [name, { state: 'up' as const, reason: 'status 200 in 1 ms', checked_at: now, period_ms: 1000, timeout_ms: 1000 }]));
  return { watcher: { state: { version: 1, pid: 1, written_at: now, probes: published }, problem: undefined }, now, graceMs: 5000 };
}

import type { Freshness } from '../../src/verdict/probeStatuses.ts';

/** A heartbeat just written by a watcher that runs every named probe, all up with a fresh result. */
export function freshFor(probes: Iterable<string>, now = Date.now()): Freshness {
  const state = { version: 3 as const, pid: 1, written_at: now, heartbeat_ms: 500, running: new Set(probes), failing: {}, checks: new Map(), checkOf: () => undefined };
  return { watcher: { state }, now, graceMs: 5000, folderName: 'probe-status/' };
}

import type { WatcherStateFile } from '../flag-store/watcherState.ts';
import type { HealthModel } from '../verdict/healthModel.ts';
import type { ProbeStatus } from '../verdict/ProbeStatus.ts';

const UP: ProbeStatus = { state: 'up', reason: undefined };

/**
 * Each probe's status as the watcher knows it first hand, in the responder's terms: what the
 * state file it writes would make the responder conclude. A probe it does not run (yet) is
 * pending, one without a result yet is pending, one whose result is too old is overdue: none of
 * them is up.
 */
export function watcherStatuses(model: HealthModel, snapshot: Pick<WatcherStateFile, 'running' | 'failing'>): Map<string, ProbeStatus> {
  const running = new Set(snapshot.running);
  const probes = new Map<string, ProbeStatus>();
  for (const name of model.probes.keys()) {
    const failing = snapshot.failing[name];
    probes.set(name, failing ? { state: failing.state, reason: failing.reason } : running.has(name) ? UP : { state: 'pending', reason: 'pending' });
  }
  return probes;
}

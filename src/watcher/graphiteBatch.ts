import type { WatcherStateFile } from '../flag-store/watcherState.ts';
import type { Marks } from '../marks/Mark.ts';
import type { HealthModel } from '../verdict/healthModel.ts';
import type { ProbeStatus } from '../verdict/ProbeStatus.ts';
import { verdict } from '../verdict/verdict.ts';
import type { MeasuredProbe } from './WatcherMetrics.ts';

export interface GraphiteBatchDeps {
  /** `deadpool.<slug of WEB.name>` unless configured. */
  prefix: string;
  model: () => HealthModel;
  /** The watcher's own view of its probes (Watcher.snapshot): what is failing, overdue or pending. */
  snapshot: () => Pick<WatcherStateFile, 'running' | 'failing'>;
  probes: () => ReadonlyMap<string, MeasuredProbe>;
  /** Acks, drains and sticky marks as the folder holds them now: a drained pool is down. */
  readMarks: () => Promise<Marks>;
  now: () => number;
}

const UP: ProbeStatus = { state: 'up', reason: undefined };
const NOT_RUNNING: ProbeStatus = { state: 'pending', reason: 'not running' };

/** A name as one graphite path node: a "." would split it in two. */
const node = (name: string): string => name.replace(/\./g, '_');

/**
 * One interval's plaintext lines: `<prefix>.probes.<name>.up 0|1`, `….duration_ms`, each pool's
 * `<prefix>.pools.<pool>.up` and the pilot light `<prefix>.alive 1`. Up or down is the one
 * verdict's, over what the watcher knows first hand (its own results, the marks in the folder):
 * the same answer the responder gives while the watcher is alive. A silent watcher sends
 * nothing, so its pilot light goes out.
 */
export function graphiteBatch(deps: GraphiteBatchDeps): (nowS: number) => Promise<string> {
  return async (nowS) => {
    const marks = await deps.readMarks();
    const model = deps.model();
    const { running, failing } = deps.snapshot();
    const runs = new Set(running);
    const statuses = new Map<string, ProbeStatus>();
    for (const name of model.probes.keys()) {
      const seen = failing[name];
      statuses.set(name, !runs.has(name) ? NOT_RUNNING : seen ? { state: seen.state, reason: seen.reason } : UP);
    }
    const now = deps.now();
    const input = { model, probes: statuses, marks, now };
    const all = verdict(input);
    const loops = deps.probes();
    const { prefix } = deps;
    const lines: string[] = [];
    for (const probe of all.probes) {
      lines.push(`${prefix}.probes.${node(probe.name)}.up ${probe.status.state === 'up' ? 1 : 0} ${nowS}\n`);
      const loop = loops.get(probe.name);
      if (loop?.checkedAt !== undefined) lines.push(`${prefix}.probes.${node(probe.name)}.duration_ms ${Math.round(loop.lastDurationMs * 1000) / 1000} ${nowS}\n`);
    }
    for (const pool of model.pools.keys()) lines.push(`${prefix}.pools.${node(pool)}.up ${verdict(input, { pool }).status === 200 ? 1 : 0} ${nowS}\n`);
    lines.push(`${prefix}.alive 1 ${nowS}\n`);
    return lines.join('');
  };
}

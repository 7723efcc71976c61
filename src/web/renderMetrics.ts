import { family, labels, value } from '../metrics/exposition.ts';
import type { HealthModel } from '../verdict/healthModel.ts';
import type { Freshness } from '../verdict/probeStatuses.ts';
import type { Verdict } from '../verdict/verdict.ts';
import type { Verdicts } from './memoizedVerdicts.ts';

/** The last probes' text and the verdict it was made of: at 10,000 probes it is rebuilt only when the verdict changed. */
let lastProbes: { verdict: Verdict; text: string } | undefined;

/**
 * What the responder decides, in Prometheus' text: each probe's success and each pool's answer,
 * from the same verdicts as every answer (so a silent watcher shows success 0 and pools down,
 * never passing on old data), and how old the watcher's heartbeat is.
 */
export function renderMetrics(verdicts: Verdicts, model: HealthModel, freshness: Freshness): string {
  const all = verdicts();
  if (lastProbes?.verdict !== all) {
    const lines: string[] = [family('deadpool_probe_success', 'gauge', '1 when the probe passes in the verdict the responder answers with (fresh result, up), else 0.')];
    for (const probe of all.probes) lines.push(`deadpool_probe_success${labels({ probe: probe.name, module: probe.model.module })} ${probe.status.state === 'up' ? 1 : 0}\n`);
    lastProbes = { verdict: all, text: lines.join('') };
  }
  let pools = '';
  if (model.pools.size > 0) {
    pools = family('deadpool_pool_up', 'gauge', '1 when the pool\'s path answers 200, else 0.');
    for (const name of model.pools.keys()) pools += `deadpool_pool_up${labels({ pool: name })} ${verdicts({ pool: name }).status === 200 ? 1 : 0}\n`;
  }
  const state = freshness.watcher.state;
  const age = state === undefined ? Infinity : Math.max(0, freshness.now - state.written_at) / 1000;
  return [
    lastProbes.text,
    pools,
    family('deadpool_up', 'gauge', '1 when the base URL answers 200 (every category), else 0.'),
    `deadpool_up ${all.status === 200 ? 1 : 0}\n`,
    family('deadpool_watcher_heartbeat_age_seconds', 'gauge', 'Seconds since the watcher last wrote its state file (+Inf: none).'),
    `deadpool_watcher_heartbeat_age_seconds ${value(age)}\n`,
  ].join('');
}

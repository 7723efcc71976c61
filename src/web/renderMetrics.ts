import { family, labels, value } from '../metrics/exposition.ts';
import type { HealthModel } from '../verdict/healthModel.ts';
import type { Freshness } from '../verdict/probeStatuses.ts';
import type { Verdict } from '../verdict/verdict.ts';
import type { Verdicts } from './memoizedVerdicts.ts';

/** The responder's part of `/metrics`: its small families as text, and each probe's success as bytes. */
export interface ResponderMetrics {
  /** Pools, the DC's answer, the heartbeat's age: merged with the other texts. */
  text: string;
  /** The `deadpool_probe_success` family, whole: no other text has it, so it goes out as it is. */
  probes: Buffer;
}

const SUCCESS = family('deadpool_probe_success', 'gauge', '1 when the probe passes in the verdict the responder answers with (fresh result, up), else 0.');

/** Each probe's line up to its value, by name, for one model (one loaded config). */
const linesOf = new WeakMap<HealthModel, Map<string, string>>();

/** The last probes' bytes and the verdict they were made of: rebuilt only when the verdict changed. */
let lastProbes: { verdict: Verdict; bytes: Buffer } | undefined;

/**
 * What the responder decides, in Prometheus' text: each probe's success and each pool's answer,
 * from the same verdicts as every answer (so a silent watcher shows success 0 and pools down,
 * never passing on old data), and how old the watcher's heartbeat is.
 *
 * The success lines are written into one Buffer when the verdict changes, from line starts made
 * once per config: a string of 1,000 lines, rebuilt at every change, joined and encoded at every
 * scrape, was most of what a scrape left in the responder's heap.
 */
export function renderMetrics(verdicts: Verdicts, model: HealthModel, freshness: Freshness): ResponderMetrics {
  const all = verdicts();
  if (lastProbes?.verdict !== all) lastProbes = { verdict: all, bytes: successBytes(all, model) };
  let pools = '';
  if (model.pools.size > 0) {
    pools = family('deadpool_pool_up', 'gauge', '1 when the pool\'s path answers 200, else 0.');
    for (const name of model.pools.keys()) pools += `deadpool_pool_up${labels({ pool: name })} ${verdicts({ pool: name }).status === 200 ? 1 : 0}\n`;
  }
  const state = freshness.watcher.state;
  const age = state === undefined ? Infinity : Math.max(0, freshness.now - state.written_at) / 1000;
  const text = [
    pools,
    family('deadpool_up', 'gauge', '1 when the base URL answers 200 (every category), else 0.'),
    `deadpool_up ${all.status === 200 ? 1 : 0}\n`,
    family('deadpool_watcher_heartbeat_age_seconds', 'gauge', 'Seconds since the watcher last wrote its state file (+Inf: none).'),
    `deadpool_watcher_heartbeat_age_seconds ${value(age)}\n`,
  ].join('');
  return { text, probes: lastProbes.bytes };
}

function successBytes(all: Verdict, model: HealthModel): Buffer {
  let lines = linesOf.get(model);
  if (lines === undefined) {
    lines = new Map();
    linesOf.set(model, lines);
  }
  let size = Buffer.byteLength(SUCCESS);
  const starts: string[] = [];
  for (const probe of all.probes) {
    let start = lines.get(probe.name);
    if (start === undefined) {
      start = `deadpool_probe_success${labels({ probe: probe.name, module: probe.model.module })} `;
      lines.set(probe.name, start);
    }
    starts.push(start);
    size += Buffer.byteLength(start) + 2;
  }
  const bytes = Buffer.allocUnsafe(size);
  let at = bytes.write(SUCCESS, 0);
  for (let i = 0; i < starts.length; i++) {
    at += bytes.write(starts[i]!, at);
    at += bytes.write(all.probes[i]!.status.state === 'up' ? '1\n' : '0\n', at);
  }
  return bytes;
}

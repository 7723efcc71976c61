import type { VerdictChange } from '../watcher/VerdictWatch.ts';
import type { NotifierEvent } from './NotifierEvent.ts';

const iso = (ms: number): string => new Date(ms).toISOString();
const word = (up: boolean | undefined): string => (up === undefined ? 'unknown' : up ? 'up' : 'down');

export function verdictEvent(dc: string, change: VerdictChange, now: number): NotifierEvent {
  return { event: 'verdict', dc, pool: change.pool ?? null, probe: null, module: null, from: word(change.from), to: word(change.up), reason: change.reason, since: iso(change.since), time: iso(now) };
}

export interface ProbeChange {
  probe: string;
  module: string;
  from: string;
  to: string;
  reason: string;
  since: number;
}

export function probeEvent(dc: string, change: ProbeChange, now: number): NotifierEvent {
  return { event: 'probe', dc, pool: null, probe: change.probe, module: change.module, from: change.from, to: change.to, reason: change.reason, since: iso(change.since), time: iso(now) };
}

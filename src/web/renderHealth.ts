import { isoSeconds } from '../marks/markFormat.ts';
import type { Mark } from '../marks/Mark.ts';
import type { HealthModel } from '../verdict/healthModel.ts';
import { ackText, drainText, maintText, stickyText } from '../verdict/markLines.ts';
import type { ProbeStatus } from '../verdict/ProbeStatus.ts';
import type { ProbeVerdict, Verdict } from '../verdict/verdict.ts';

/** One entry of FT's `checks[]`. */
export interface HealthCheck {
  id: string;
  name: string;
  ok: boolean;
  severity: 1 | 2 | 3;
  businessImpact: string;
  technicalSummary: string;
  panicGuide: string;
  checkOutput: string;
  lastUpdated: string;
  ack?: string;
}

/** FT's health check document (schemaVersion 1). */
export interface HealthDocument {
  schemaVersion: 1;
  systemCode: string;
  name: string;
  description: string;
  checks: HealthCheck[];
  ok: boolean;
}

/**
 * `/__health` as the FT standard has it: every probe of the selection, passing ones too, then
 * one check per maintenance, drain and sticky mark (they fail the answer, so they must show). `lastUpdated`
 * is the probe's last check when the watcher publishes it (`statusOf` adds it), else the watcher's
 * last word on it.
 */
export function renderHealth(result: Verdict, model: HealthModel, now: number, statusOf: (probe: ProbeVerdict) => ProbeStatus = (probe) => probe.status): HealthDocument {
  const checks: HealthCheck[] = result.probes.map((verdict) => {
    const { name, model: probe, ack } = verdict;
    const status = statusOf(verdict);
    return {
    id: name,
    name,
    ok: status.state === 'up',
    severity: probe.severity,
    businessImpact: probe.businessImpact,
    technicalSummary: probe.technicalSummary,
    panicGuide: probe.panicGuide,
    checkOutput: status.state === 'up' ? 'OK' : (status.reason ?? status.state),
    lastUpdated: new Date(status.lastCheck?.at ?? status.asOf ?? now).toISOString(),
    ...(ack ? { ack: ackText(ack) } : {}),
    };
  });
  if (result.maint) checks.push(markCheck(result.maint, maintText(result.maint, now), 'maint', 'Cloudflare and HAProxy send no traffic here while in maintenance'));
  for (const drain of result.drains) checks.push(markCheck(drain, drainText(drain, now), `drain${drain.target === undefined ? '' : `-${drain.target}`}`, 'Cloudflare sends no traffic here while drained'));
  for (const mark of result.sticky) checks.push(markCheck(mark, stickyText(mark), `sticky-${mark.target ?? 'all'}`, 'pools needing the category stay out of Cloudflare until it is unstuck'));
  return { schemaVersion: 1, systemCode: model.systemCode, name: model.name, description: model.description, checks, ok: result.healthOk };
}

function markCheck(mark: Mark, output: string, id: string, impact: string): HealthCheck {
  return {
    id,
    name: id,
    ok: false,
    severity: 1,
    businessImpact: impact,
    technicalSummary: `an operator mark: ${mark.file}`,
    panicGuide: `cat ${mark.file}; remove it (or use deadpool) once the work is done`,
    checkOutput: output,
    lastUpdated: isoSeconds(mark.at),
  };
}

import path from 'node:path';
import { readConfig } from '../config/readConfig.ts';
import type { Mark } from '../marks/Mark.ts';
import { isoSeconds } from '../marks/markFormat.ts';
import { readMarks } from '../marks/readMarks.ts';
import { healthModel } from '../verdict/healthModel.ts';
import { ackText, drainText, maintText, stickyText } from '../verdict/markLines.ts';
import { probeStatuses } from '../verdict/probeStatuses.ts';
import { verdict, type Verdict } from '../verdict/verdict.ts';
import type { CommandIO } from './CommandIO.ts';
import { EXIT, type ExitCode } from './exitCodes.ts';
import { formatTable } from './formatTable.ts';
import { readFolderOnce } from './readFolderOnce.ts';
import { UsageError } from './UsageError.ts';

const time = (ms: number | undefined): string | null => (ms === undefined ? null : isoSeconds(ms));
const markJson = (mark: Mark) => ({ target: mark.target ?? null, reason: mark.reason, by: mark.by ?? null, at: time(mark.at), until: time(mark.until), file: mark.file, problem: mark.problem ?? null });

/**
 * `deadpool status [--json] [--categories a,b]`: the DC as the responder sees it now, from the
 * flag folder alone (no responder needs to run): every probe, every pool's answer, maintenance, drains,
 * sticky marks and acks. Exit 0 when the base URL (with those categories) would answer 200, 1
 * otherwise: usable in scripts before and after maintenance.
 */
export async function statusCommand(configFile: string, options: { json?: boolean; categories?: string }, io: CommandIO): Promise<ExitCode> {
  const { config, services } = await readConfig(configFile);
  const model = healthModel(config, services.map((service) => service.name));
  const categories = options.categories?.split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of categories ?? []) if (!model.categories.has(name)) throw new UsageError(`--categories: no category "${name}" in config.yaml; expected some of ${[...model.categories.keys()].join(', ')}`);
  const folder = config.WatchMan.probe_status_folder;
  const [{ seen, state }, marks] = await Promise.all([readFolderOnce(folder), readMarks(folder)]);
  const now = io.now();
  const statuses = probeStatuses(model.probes.keys(), seen, { watcher: { state }, now, graceMs: config.WatchMan.stale_grace * 1000, folderName: `${path.basename(folder)}/` }, { checks: true });
  const input = { model, probes: statuses.probes, blocker: statuses.blocker, marks, now };
  const base = verdict(input, categories === undefined ? {} : { categories });
  const pools = [...model.pools.values()].map((pool) => ({ pool, result: verdict(input, { pool: pool.name }) }));
  // Every probe, whatever the selection: the operator wants the whole DC.
  const all = categories === undefined ? base : verdict(input);

  if (options.json) {
    io.out(
      JSON.stringify(
        {
          name: model.name,
          status: base.status,
          body: base.body,
          probes: all.probes.map(({ name, model: probe, status, ack }) => ({
            name,
            state: status.state,
            reason: status.reason ?? null,
            since: time(status.since),
            last_check: time(status.lastCheck?.at),
            duration_ms: status.lastCheck?.durationMs ?? null,
            categories: probe.categories,
            group: probe.group,
            ack: ack ? markJson(ack) : null,
          })),
          pools: pools.map(({ pool, result }) => ({ name: pool.name, path: pool.path, categories: pool.categories, status: result.status, dead: result.dead, problems: result.problems })),
          maint: marks.maint.length === 0 ? null : markJson(marks.maint[0]!),
          drains: marks.drains.map(markJson),
          sticky: marks.sticky.map(markJson),
          acks: marks.acks.map(markJson),
        },
        null,
        2,
      ) + '\n',
    );
    return base.status === 200 ? EXIT.OK : EXIT.PROBE_FAILED;
  }

  const lines = [`${model.name}: the base URL${categories === undefined ? '' : ` with categories ${categories.join(',')}`} answers ${base.status}${statuses.blocker === undefined ? '' : ` (${statuses.blocker})`}`, ''];
  const rows = all.probes.map(({ name, model: probe, status, ack }) => [
    name,
    ack ? 'down (acked)' : status.state,
    probe.categories.join(','),
    probe.group,
    time(status.since) ?? '-',
    time(status.lastCheck?.at) ?? '-',
    status.lastCheck ? `${Math.round(status.lastCheck.durationMs)} ms` : '-',
    [status.reason, ack ? ackText(ack) : undefined].filter((part) => part !== undefined).join('; '),
  ]);
  lines.push(rows.length === 0 ? 'no enabled probes' : formatTable(['PROBE', 'STATE', 'CATEGORIES', 'GROUP', 'SINCE', 'LAST CHECK', 'DURATION', 'REASON'], rows));
  if (pools.length > 0) {
    lines.push('', formatTable(['POOL', 'PATH', 'CATEGORIES', 'ANSWER', 'WHY'], pools.map(({ pool, result }) => [pool.name, pool.path, pool.categories.join(','), String(result.status), why(result)])));
  }
  const marked = [
    ...marks.maint.map((maint) => maintText(maint, now) + (maint.problem === undefined && maint.until !== undefined && maint.until <= now ? ' (expired)' : '')),
    ...marks.drains.map((drain) => drainText(drain, now) + (drain.problem === undefined && drain.until !== undefined && drain.until <= now ? ' (expired)' : '')),
    ...marks.sticky.map(stickyText),
    ...marks.acks.filter((ack) => ack.target === undefined || ack.problem !== undefined).map((ack) => (ack.problem !== undefined ? `ack ${ack.file} ignored: ${ack.problem}` : `DC-level ${ackText(ack)}${ack.until !== undefined && ack.until <= now ? ' (expired)' : ''}`)),
  ];
  if (marked.length > 0) lines.push('', ...marked);
  io.out(lines.join('\n') + '\n');
  return base.status === 200 ? EXIT.OK : EXIT.PROBE_FAILED;
}

function why(result: Verdict): string {
  if (result.status === 200) return 'OK';
  return [...result.problems, ...result.dead.slice(0, 5), ...(result.dead.length > 5 ? [`and ${result.dead.length - 5} more`] : [])].join('; ');
}

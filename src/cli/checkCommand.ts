import { loadConfig } from '../config/loadConfig.ts';
import { createLogger } from '../log/createLogger.ts';
import { stdoutSink } from '../log/stdoutSink.ts';
import { systemClock } from '../clock/Clock.ts';
import { runCheck } from '../watcher/runCheck.ts';
import type { CommandIO } from './CommandIO.ts';
import { EXIT, type ExitCode } from './exitCodes.ts';
import { formatTable } from './formatTable.ts';

export interface CheckRow {
  probe: string;
  module: string;
  ok: boolean;
  duration_ms: number;
  reason: string;
}

/**
 * `deadpool check`: every enabled probe once, concurrently, like haproxy_agent's one-shot mode.
 * Exit 0 when all pass, 1 when any fails. Module logs go to stderr so stdout stays a clean table.
 */
export async function checkCommand(configFile: string, json: boolean, io: CommandIO): Promise<ExitCode> {
  const { config, probes, warnings } = await loadConfig(configFile);
  for (const line of warnings) io.err(`warning: ${line}\n`);
  const log = createLogger({ level: config.Generic.log.level === 'debug' ? 'debug' : 'warning', sinks: [stdoutSink(io.err)], fields: { component: 'check' } });
  const never = new AbortController().signal;
  const enabled = probes.filter((p) => p.enabled);
  const rows: CheckRow[] = await Promise.all(
    enabled.map(async (spec): Promise<CheckRow> => {
      const { result, durationMs } = await runCheck(spec, log.child({ probe: spec.name, module: spec.moduleName }), systemClock, never);
      return { probe: spec.name, module: spec.moduleName, ok: result.ok, duration_ms: Math.round(durationMs), reason: result.reason };
    }),
  );
  const failed = rows.some((r) => !r.ok);
  if (json) {
    io.out(JSON.stringify({ ok: !failed, probes: rows }, null, 2) + '\n');
  } else if (rows.length === 0) {
    io.out('no enabled probes\n');
  } else {
    const table = rows.map((r) => [r.probe, r.module, r.ok ? 'PASS' : 'FAIL', `${r.duration_ms} ms`, r.reason]);
    io.out(formatTable(['PROBE', 'MODULE', 'RESULT', 'DURATION', 'REASON'], table) + '\n');
  }
  return failed ? EXIT.PROBE_FAILED : EXIT.OK;
}

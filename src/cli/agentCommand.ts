import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { agentLine } from '../agent/agentLine.ts';
import { idlePercentBetween, systemCpuTimes, type CpuTimes } from '../agent/CpuIdleSampler.ts';
import { readConfig } from '../config/readConfig.ts';
import { readMarks } from '../marks/readMarks.ts';
import { healthModel } from '../verdict/healthModel.ts';
import { probeStatuses } from '../verdict/probeStatuses.ts';
import { verdict } from '../verdict/verdict.ts';
import type { CommandIO } from './CommandIO.ts';
import { EXIT, type ExitCode } from './exitCodes.ts';
import { readFolderOnce } from './readFolderOnce.ts';
import { UsageError } from './UsageError.ts';

export interface AgentOnceDeps {
  /** Waits out `weight: cpu`'s timeframe, as haproxy_agent's one-shot mode does. */
  wait?: (ms: number) => Promise<void>;
  readCpu?: () => CpuTimes;
}

/**
 * `deadpool agent --once`: the line the HAProxy agent of `deadpool web` would answer now, from
 * the flag folder read once (as `deadpool status` reads it), for Agent.pool with Agent.weight
 * (the base URL and 100% without an Agent section). Exit 0 when the health is up, drained or
 * not; 1 otherwise (down, maint).
 */
export async function agentCommand(configFile: string, options: { once?: boolean }, io: CommandIO, deps: AgentOnceDeps = {}): Promise<ExitCode> {
  if (options.once !== true) throw new UsageError('the HAProxy agent listens inside `deadpool web` (Agent in config.yaml); `deadpool agent --once` prints what it answers now');
  const { config, services } = await readConfig(configFile);
  const agent = config.Agent;
  let weight = typeof agent?.weight === 'number' ? agent.weight : 100;
  if (agent?.weight === 'cpu') {
    const read = deps.readCpu ?? systemCpuTimes;
    const before = read();
    await (deps.wait ?? sleep)(agent.cpu_timeframe_ms);
    weight = idlePercentBetween(before, read());
  }
  const model = healthModel(config, services.map((service) => service.name));
  const folder = config.WatchMan.probe_status_folder;
  const [{ seen, state }, marks] = await Promise.all([readFolderOnce(folder), readMarks(folder)]);
  const now = io.now();
  const statuses = probeStatuses(model.probes.keys(), seen, { watcher: { state }, now, graceMs: config.WatchMan.stale_grace * 1000, folderName: `${path.basename(folder)}/` });
  const result = verdict({ model, probes: statuses.probes, blocker: statuses.blocker, marks, now }, agent?.pool === undefined ? {} : { pool: agent.pool });
  const line = agentLine(result, weight);
  io.out(`${line}\n`);
  return line.startsWith('up ') ? EXIT.OK : EXIT.PROBE_FAILED;
}

import type { Clock } from '../clock/Clock.ts';
import type { AgentConfig } from '../config/schema.ts';
import type { Verdict } from '../verdict/verdict.ts';
import { agentLine } from './agentLine.ts';
import { CpuIdleSampler, type CpuTimes } from './CpuIdleSampler.ts';

export interface AgentAnswerDeps {
  /** The verdict for a selection, shared with the responder's answers (memoized there). */
  verdicts: (selection: { pool?: string }) => Verdict;
  /** The Agent section of the config now in force (live reload changes pool and weight). */
  getAgent: () => AgentConfig;
  clock: Clock;
  readCpu?: () => CpuTimes;
}

export interface AgentAnswers {
  line(): string;
  close(): void;
}

/**
 * What the agent answers now: the verdict of the configured pool (or the base URL's) rendered by
 * agentLine with the configured weight. The CPU sampler runs only while `weight: cpu`, and is
 * replaced when a reload changes its timeframe. One selection object per pool, so the memo of
 * verdicts keys it once.
 */
export function agentAnswers(deps: AgentAnswerDeps): AgentAnswers {
  let sampler: CpuIdleSampler | undefined;
  const selections = new Map<string, { pool?: string }>();
  const EVERY = {};
  const weight = (agent: AgentConfig): number => {
    if (agent.weight !== 'cpu') {
      sampler?.stop();
      sampler = undefined;
      return agent.weight;
    }
    if (sampler?.timeframeMs !== agent.cpu_timeframe_ms) {
      sampler?.stop();
      sampler = new CpuIdleSampler({ timeframeMs: agent.cpu_timeframe_ms, clock: deps.clock, ...(deps.readCpu ? { read: deps.readCpu } : {}) });
    }
    return sampler.idlePercent();
  };
  const selectionOf = (pool: string | undefined): { pool?: string } => {
    if (pool === undefined) return EVERY;
    let selection = selections.get(pool);
    if (!selection) selections.set(pool, (selection = { pool }));
    return selection;
  };
  // Started now, so that the first answers already have a timeframe behind them.
  weight(deps.getAgent());
  return {
    line: () => {
      const agent = deps.getAgent();
      return agentLine(deps.verdicts(selectionOf(agent.pool)), weight(agent));
    },
    close: () => sampler?.stop(),
  };
}

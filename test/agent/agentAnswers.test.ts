import test from 'ava';
import { agentAnswers } from '../../src/agent/agentAnswers.ts';
import type { CpuTimes } from '../../src/agent/CpuIdleSampler.ts';
import type { AgentConfig } from '../../src/config/schema.ts';
import { NO_MARKS } from '../../src/marks/Mark.ts';
import { verdict, type Selection } from '../../src/verdict/verdict.ts';
import { FakeClock } from '../helpers/FakeClock.ts';
import { modelOf } from '../helpers/healthModel.ts';

const model = modelOf({
  WEB: { name: 'DC-1', pools: { search: { path: '/search', categories: ['search'] } } },
  categories: { search: {} },
  probes: { es: { module: 'url_probe', categories: ['search'] }, db: { module: 'sql_probe' } },
});
/** db is down: the base URL fails, the search pool passes. */
const verdicts = (selection: Selection) =>
  verdict({ model, probes: new Map([['es', { state: 'up', reason: undefined }], ['db', { state: 'down', reason: 'timeout' }]]), marks: NO_MARKS, now: 0 }, selection);

test('the pool and the weight are read again on every answer; the CPU sampler runs only while weight is cpu', (t) => {
  const clock = new FakeClock();
  let agent: AgentConfig = { host: '127.0.0.1', port: 9002, weight: 100, cpu_timeframe_ms: 2000 };
  let times: CpuTimes = { idle: 0, total: 0 };
  const seen: Selection[] = [];
  const answers = agentAnswers({ verdicts: (selection) => (seen.push(selection), verdicts(selection)), getAgent: () => agent, clock, readCpu: () => times });
  t.is(answers.line(), 'down ready #db: timeout');
  agent = { ...agent, pool: 'search', weight: 60 };
  t.is(answers.line(), 'up ready 60%');
  answers.line();
  t.is(seen[1], seen[2], 'one selection object per pool, so the memo of verdicts keys it once');
  t.false(clock.hasTimerAt(2000), 'no sampler for a fixed weight');

  times = { idle: 100, total: 200 };
  agent = { ...agent, weight: 'cpu' };
  t.is(answers.line(), 'up ready 50%', 'before the first timeframe ends: the average since boot');
  t.true(clock.hasTimerAt(2000));
  times = { idle: 100 + 750, total: 200 + 1000 };
  clock.advanceTo(2000);
  t.is(answers.line(), 'up ready 75%');
  agent = { ...agent, cpu_timeframe_ms: 500 };
  answers.line();
  t.true(clock.hasTimerAt(2500), 'a new timeframe: a new sampler');
  t.false(clock.hasTimerAt(4000), 'the old one stopped');
  agent = { ...agent, weight: 100 };
  t.is(answers.line(), 'up ready 100%');
  t.false(clock.hasTimerAt(2500), 'back to a fixed weight: the sampler stopped');
  answers.close();
});

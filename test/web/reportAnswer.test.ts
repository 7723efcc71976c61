import test from 'ava';
import type { Verdict } from '../../src/verdict/verdict.ts';
import { reportAnswer } from '../../src/web/reportAnswer.ts';
import { FakeClock } from '../helpers/FakeClock.ts';

/** Only the fields the report reads. */
const answer = (status: 200 | 503, dead: string[], states: string[] = ['up']): Verdict =>
  ({ status, dead, problems: [], probes: states.map((state, i) => ({ name: `p${i}`, status: { state, reason: undefined } })) }) as unknown as Verdict;

test('reports on a change at once, the same report again every second, and a failure to work out the answer as an unsettled 503', async (t) => {
  const clock = new FakeClock();
  const reports: [string, boolean][] = [];
  let current = answer(503, ['es-1'], ['pending']);
  let fire: () => void = () => undefined;
  const report = reportAnswer({
    answer: () => current,
    report: (text, settled) => reports.push([text, settled]),
    changes: [(listener) => ((fire = listener), () => undefined)],
    clock,
  });
  t.teardown(() => report.close());
  t.deepEqual(reports, [['503: es-1', false]]);
  current = answer(200, [], ['up']);
  fire();
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(reports.at(-1), ['200 OK', true]);
  const count = reports.length;
  clock.advanceTo(750);
  t.is(reports.length, count, 'nothing new within the second');
  clock.advanceTo(1000);
  t.deepEqual(reports.slice(count), [['200 OK', true]], 'repeated after a second: the sign of life');
  current = undefined as unknown as Verdict;
  clock.advanceTo(1250);
  t.regex(reports.at(-1)![0], /^503: working out the answer failed: /);
  t.false(reports.at(-1)![1]);
});

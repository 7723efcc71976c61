import test from 'ava';
import { settled, statusText } from '../../src/systemd/statusText.ts';
import type { Verdict } from '../../src/verdict/verdict.ts';

const answer = (status: 200 | 503, dead: string[], problems: string[] = [], states: string[] = []): Verdict =>
  ({ status, dead, problems, probes: states.map((state) => ({ status: { state } })) }) as unknown as Verdict;

const texts: [string, Verdict, string][] = [
  ['200', answer(200, []), '200 OK'],
  ['the failing probes', answer(503, ['es-1', 'es-2']), '503: es-1, es-2'],
  ['at most ten named', answer(503, Array.from({ length: 12 }, (_, i) => `p${i}`)), '503: p0, p1, p2, p3, p4, p5, p6, p7, p8, p9 and 2 more'],
  ['no probe to blame: the problems', answer(503, [], ['drained by ops until 12:00', 'sticky: search']), '503: drained by ops until 12:00; sticky: search'],
];
for (const [name, verdict, expected] of texts) test(`STATUS=: ${name}`, (t) => t.is(statusText(verdict), expected));

test('settled: every probe up, down, overdue or not checked; not while one is pending or unknown (a watcher not heard from)', (t) => {
  t.true(settled(answer(503, [], [], ['up', 'down', 'overdue', 'not-checked'])));
  t.false(settled(answer(503, [], [], ['up', 'pending'])));
  t.false(settled(answer(503, [], [], ['unknown'])));
});

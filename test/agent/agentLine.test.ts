import test from 'ava';
import { agentLine, MAX_DESCRIPTION_CHARS } from '../../src/agent/agentLine.ts';
import { NO_MARKS, type Mark, type MarkKind, type Marks } from '../../src/marks/Mark.ts';
import type { ProbeState, ProbeStatus } from '../../src/verdict/ProbeStatus.ts';
import { verdict, type Selection } from '../../src/verdict/verdict.ts';
import { modelOf } from '../helpers/healthModel.ts';

const NOW = Date.UTC(2030, 0, 31, 12, 0, 0);

const model = modelOf({
  WEB: { name: 'DC-1', pools: { search: { path: '/search', categories: ['search'] } } },
  categories: { search: { sticky: true } },
  probes: { 'es-1': { module: 'url_probe', categories: ['search'] }, db: { module: 'sql_probe' } },
});

const mark = (kind: MarkKind, target?: string, fields: Partial<Mark> = {}): Mark => ({ kind, target, file: `flags/${kind}`, reason: 'work', by: 'alice', at: NOW - 1000, until: undefined, ...fields });
const marksOf = (list: Mark[]): Marks => ({ ...NO_MARKS, drains: list.filter((m) => m.kind === 'drain'), maint: list.filter((m) => m.kind === 'maint'), sticky: list.filter((m) => m.kind === 'sticky') });

interface Case {
  name: string;
  failing?: Record<string, [ProbeState, string]>;
  marks?: Mark[];
  blocker?: string;
  selection?: Selection;
  weight?: number;
  line: string;
}

const cases: Case[] = [
  { name: 'every probe passes: up, ready, the weight', line: 'up ready 100%' },
  { name: 'the weight as given, rounded', weight: 37.6, line: 'up ready 38%' },
  { name: 'a failing probe: down, ready (ending a drain or maint the agent set), the first one and its reason', failing: { db: ['down', 'connection refused'], 'es-1': ['down', 'status 500'] }, line: 'down ready #db: connection refused' },
  {
    name: 'a silent watcher is down, whatever the flags say',
    failing: { db: ['unknown', 'no result from the watcher for 9 s: stopped, frozen, or unable to write flags/'], 'es-1': ['unknown', 'no result from the watcher for 9 s: stopped, frozen, or unable to write flags/'] },
    line: 'down ready #db: no result from the watcher for 9 s: stopped, frozen, or unable to write flags/',
  },
  { name: 'a pending probe is down', failing: { db: ['pending', 'no result yet'] }, line: 'down ready #db: no result yet' },
  { name: 'an unreadable flag folder', blocker: 'cannot read the flag folder flags/ (EACCES)', line: 'down ready #cannot read the flag folder flags/ (EACCES)' },
  { name: 'drained, probes pass: drain, still up with its weight', marks: [mark('drain')], weight: 50, line: 'up drain 50%' },
  { name: 'drained, a probe fails: drain and down', marks: [mark('drain')], failing: { db: ['down', 'timeout'] }, line: 'down drain #db: timeout' },
  { name: 'a pool drain drains the agent of that pool', marks: [mark('drain', 'search')], selection: { pool: 'search' }, line: 'up drain 100%' },
  { name: 'a pool drain does not drain the base URL', marks: [mark('drain', 'search')], line: 'up ready 100%' },
  { name: 'the pool selects its probes: a failure outside it does not count', failing: { db: ['down', 'timeout'] }, selection: { pool: 'search' }, line: 'up ready 100%' },
  { name: 'a sticky category', marks: [mark('sticky', 'search', { reason: 'es-1 failed' })], line: 'down ready #search: failed at 2030-01-31T11:59:59Z and stays failed: es-1 failed (deadpool unstick search)' },
  { name: 'maintenance: maint alone', marks: [mark('maint')], line: 'maint' },
  { name: 'maintenance wins over a drain and over failing probes', marks: [mark('maint'), mark('drain')], failing: { db: ['down', 'x'] }, line: 'maint' },
  { name: 'maintenance wins over an unreadable folder', marks: [mark('maint')], blocker: 'cannot read the flag folder', line: 'maint' },
  { name: 'an expired maintenance is over', marks: [mark('maint', undefined, { until: NOW - 1 })], line: 'up ready 100%' },
  { name: 'a reason with line breaks: its first line only, one line out', failing: { db: ['down', 'bad answer\r\nup ready 100%\nmore'] }, line: 'down ready #db: bad answer' },
  { name: 'controls in a reason become spaces', failing: { db: ['down', 'a\u0000b\tc'] }, line: 'down ready #db: a b c' },
];

for (const c of cases) {
  test(`agent line: ${c.name}`, (t) => {
    const probes = new Map<string, ProbeStatus>(['es-1', 'db'].map((name) => [name, c.failing?.[name] ? { state: c.failing[name][0], reason: c.failing[name][1] } : { state: 'up', reason: undefined }]));
    const result = verdict({ model, probes, blocker: c.blocker, marks: marksOf(c.marks ?? []), now: NOW }, c.selection);
    t.is(agentLine(result, c.weight ?? 100), c.line);
  });
}

test('agent line: a long reason is cut, so the line stays short', (t) => {
  const probes = new Map<string, ProbeStatus>([
    ['es-1', { state: 'up', reason: undefined }],
    ['db', { state: 'down', reason: 'x'.repeat(10_000) }],
  ]);
  const line = agentLine(verdict({ model, probes, marks: NO_MARKS, now: NOW }), 100);
  t.true(line.startsWith('down ready #db: xxx'));
  t.is(line.length, 'down ready #'.length + MAX_DESCRIPTION_CHARS);
  t.true(line.endsWith('…'));
  t.false(/[\r\n]/.test(line));
});

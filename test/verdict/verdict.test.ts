import test from 'ava';
import type { Mark, MarkKind, Marks } from '../../src/marks/Mark.ts';
import { NO_MARKS } from '../../src/marks/Mark.ts';
import type { ProbeState, ProbeStatus } from '../../src/verdict/ProbeStatus.ts';
import { verdict, type Selection } from '../../src/verdict/verdict.ts';
import { modelOf } from '../helpers/healthModel.ts';

const NOW = Date.UTC(2030, 0, 31, 12, 0, 0);
const MIN = 60_000;

/** A DC with a resilient search pool (three Elasticsearch nodes) and an api pool (one database). */
const model = (minPassing = 1, sticky = false) =>
  modelOf({
    WEB: { name: 'DC-1', pools: { search: { path: '/search', categories: ['search'] }, api: { path: '/api', categories: ['api', 'default'] } } },
    categories: { search: { resilient: true, min_passing: minPassing, sticky }, api: {} },
    probes: {
      'es-1': { module: 'url_probe', categories: ['search'], group: 'elasticsearch' },
      'es-2': { module: 'url_probe', categories: ['search'], group: 'elasticsearch' },
      'es-3': { module: 'url_probe', categories: ['search'], group: 'elasticsearch' },
      db: { module: 'sql_probe', categories: ['api'] },
      dns: { module: 'dns_probe' },
    },
  });

const ALL = ['es-1', 'es-2', 'es-3', 'db', 'dns'];
const up: ProbeStatus = { state: 'up', reason: undefined };
const statuses = (failing: Record<string, [ProbeState, string]>): Map<string, ProbeStatus> =>
  new Map(ALL.map((name) => [name, failing[name] ? { state: failing[name][0], reason: failing[name][1] } : up]));

const mark = (kind: MarkKind, target: string | undefined, fields: Partial<Mark> = {}): Mark => ({
  kind,
  target,
  file: `probe-status/${kind}`,
  reason: 'known issue',
  by: 'alice',
  at: NOW - MIN,
  until: kind === 'ack' ? NOW + 60 * MIN : undefined,
  ...fields,
});
const marks = (list: Mark[]): Marks => ({
  acks: list.filter((m) => m.kind === 'ack'),
  drains: list.filter((m) => m.kind === 'drain'),
  sticky: list.filter((m) => m.kind === 'sticky'),
  maint: list.filter((m) => m.kind === 'maint'),
});

interface Case {
  name: string;
  failing?: Record<string, [ProbeState, string]>;
  marks?: Mark[];
  minPassing?: number;
  blocker?: string;
  selection?: Selection;
  status: 200 | 503;
  body?: string;
  lines?: string[];
  dead?: string[];
  healthOk?: boolean;
  /** Whether the probes alone pass (what the HAProxy agent reports as up), and why not. */
  healthy?: boolean;
  firstFailure?: string;
}

const H = 'Server: DC-1 reports:';
const cases: Case[] = [
  { name: 'everything up', status: 200, body: `${H}\nOK\n`, dead: [], healthOk: true },
  {
    name: 'resilient group, 2 of 3 passing: 200, the failing member still named',
    failing: { 'es-1': ['down', 'status 500'] },
    status: 200,
    body: `${H}\nOK\nThe es-1 is DEAD! status 500\nsearch: elasticsearch has 2 of 3 passing, needs 1\n`,
    dead: [],
  },
  {
    name: 'resilient group, 1 of 3 passing with min_passing 1: 200',
    failing: { 'es-1': ['down', 'status 500'], 'es-2': ['down', 'timeout'] },
    status: 200,
    lines: ['search: elasticsearch has 1 of 3 passing, needs 1'],
  },
  {
    name: 'resilient group, 0 of 3 passing: 503 naming every member, then the group',
    failing: { 'es-1': ['down', 'status 500'], 'es-2': ['down', 'timeout'], 'es-3': ['pending', 'pending'] },
    status: 503,
    body: `${H}\nThe es-1 is DEAD! status 500\nThe es-2 is DEAD! timeout\nThe es-3 is DEAD! pending\nsearch: elasticsearch has 0 of 3 passing, needs 1\n`,
    dead: ['es-1', 'es-2', 'es-3'],
    healthOk: false,
  },
  {
    name: 'min_passing 2: 1 of 3 passing fails the group',
    minPassing: 2,
    failing: { 'es-1': ['down', 'status 500'], 'es-2': ['down', 'timeout'] },
    status: 503,
    lines: ['search: elasticsearch has 1 of 3 passing, needs 2'],
    dead: ['es-1', 'es-2'],
  },
  {
    name: 'min_passing 2: 2 of 3 passing is enough',
    minPassing: 2,
    failing: { 'es-1': ['down', 'status 500'] },
    status: 200,
  },
  {
    name: 'a non-resilient probe down: 503, as the seed',
    failing: { db: ['down', 'ECONNREFUSED'] },
    status: 503,
    body: `${H}\nThe db is DEAD! ECONNREFUSED\n`,
    dead: ['db'],
  },
  {
    name: 'the other pool does not care: search answers 200 while db is down',
    failing: { db: ['down', 'ECONNREFUSED'] },
    selection: { pool: 'search' },
    status: 200,
    body: `${H}\nOK\n`,
  },
  {
    name: '?categories= selects: api alone fails, search alone passes',
    failing: { db: ['down', 'ECONNREFUSED'] },
    selection: { categories: ['api'] },
    status: 503,
    dead: ['db'],
  },
  {
    name: 'an acked probe is shown and does not count',
    failing: { db: ['down', 'ECONNREFUSED'] },
    marks: [mark('ack', 'db', { until: Date.UTC(2030, 0, 31, 13) })],
    status: 200,
    body: `${H}\nOK\nThe db is DEAD! ECONNREFUSED; ACKED by alice until 2030-01-31T13:00:00Z: known issue\n`,
    dead: [],
    healthOk: true,
  },
  {
    name: 'an expired ack is ignored',
    failing: { db: ['down', 'ECONNREFUSED'] },
    marks: [mark('ack', 'db', { until: NOW - 1 })],
    status: 503,
    body: `${H}\nThe db is DEAD! ECONNREFUSED\n`,
  },
  {
    name: 'an ack file that cannot be parsed is ignored: the probe counts',
    failing: { db: ['down', 'ECONNREFUSED'] },
    marks: [mark('ack', 'db', { problem: 'cannot parse the line "x"' })],
    status: 503,
    dead: ['db'],
  },
  {
    name: 'an acked member is left out of its resilient group\'s count: the others must still reach min_passing',
    minPassing: 2,
    failing: { 'es-1': ['down', 'status 500'], 'es-2': ['down', 'timeout'] },
    marks: [mark('ack', 'es-1')],
    status: 503,
    lines: ['search: elasticsearch has 1 of 3 passing (1 acked), needs 2'],
    dead: ['es-2'],
  },
  {
    name: 'a DC-level ack turns /__health ok but not the answer',
    failing: { db: ['down', 'ECONNREFUSED'] },
    marks: [mark('ack', undefined)],
    status: 503,
    dead: ['db'],
    healthOk: true,
  },
  {
    name: 'a DC-level ack never covers a silent watcher',
    failing: { db: ['unknown', 'no result from the watcher for 9 s: stopped, frozen, or unable to write probe-status/'] },
    marks: [mark('ack', undefined)],
    status: 503,
    healthOk: false,
  },
  {
    name: 'a stale watcher with every probe acked: still 503',
    failing: Object.fromEntries(ALL.map((name) => [name, ['unknown', 'no result from the watcher for 9 s: stopped, frozen, or unable to write probe-status/']])),
    marks: [...ALL.map((name) => mark('ack', name)), mark('ack', undefined)],
    status: 503,
    dead: ['db', 'dns', 'es-1', 'es-2', 'es-3'],
    healthOk: false,
  },
  {
    name: 'pending and overdue probes cannot be acked',
    failing: { db: ['pending', 'pending'], dns: ['overdue', 'no result for 30 s (checks are running late)'] },
    marks: [mark('ack', 'db'), mark('ack', 'dns')],
    status: 503,
    dead: ['db', 'dns'],
  },
  {
    name: 'a sticky category fails its selections even with every probe up',
    marks: [mark('sticky', 'search', { reason: 'search: elasticsearch has 0 of 3 passing, needs 1', by: 'watcher', at: Date.UTC(2030, 0, 31, 11) })],
    status: 503,
    body: `${H}\nsearch: failed at 2030-01-31T11:00:00Z and stays failed: search: elasticsearch has 0 of 3 passing, needs 1 (deadpool unstick search)\n`,
    dead: [],
  },
  {
    name: 'a sticky category does not touch a pool that does not need it',
    marks: [mark('sticky', 'search')],
    selection: { pool: 'api' },
    status: 200,
  },
  {
    name: 'a drain of the DC: every selection 503, saying who, until when, how long is left',
    marks: [mark('drain', undefined, { until: NOW + 29 * MIN + 30_000, reason: 'moving racks' })],
    selection: { pool: 'api' },
    status: 503,
    body: `${H}\ndrained by alice until 2030-01-31T12:29:30Z (30 min left): moving racks\n`,
    dead: [],
  },
  {
    name: 'a drain of one pool: that pool 503',
    marks: [mark('drain', 'search', { reason: 'reindexing' })],
    selection: { pool: 'search' },
    status: 503,
    body: `${H}\npool search drained by alice until removed: reindexing\n`,
  },
  {
    name: 'a drain of one pool: the other pool and the base URL are not drained',
    marks: [mark('drain', 'search', { reason: 'reindexing' })],
    selection: { pool: 'api' },
    status: 200,
  },
  {
    name: 'a hand-made drain (no by:) lasts until removed',
    marks: [mark('drain', undefined, { by: undefined, reason: 'moving racks' })],
    status: 503,
    body: `${H}\ndrained by hand until removed: moving racks\n`,
  },
  {
    name: 'an expired drain no longer drains',
    marks: [mark('drain', undefined, { until: NOW - 1 })],
    status: 200,
  },
  {
    name: 'a drain file that cannot be read still drains',
    marks: [mark('drain', undefined, { until: NOW - 1, problem: 'cannot read probe-status/drain (EACCES)' })],
    status: 503,
    lines: ['drained until its file is removed: cannot read probe-status/drain (EACCES)'],
  },
  {
    name: 'maintenance: every selection 503 with who, until when and why, though every probe passes',
    marks: [mark('maint', undefined, { until: NOW + 90 * MIN, reason: 'new switches' })],
    selection: { pool: 'api' },
    status: 503,
    body: `${H}\nin maintenance by alice until 2030-01-31T13:30:00Z (90 min left): new switches\n`,
    dead: [],
    healthy: true,
  },
  {
    name: 'maintenance and a drain and a dead probe: maintenance first, then the drain, then the probe',
    marks: [mark('maint', undefined, { reason: 'new switches' }), mark('drain', undefined, { reason: 'moving racks' })],
    failing: { db: ['down', 'connection refused'] },
    status: 503,
    body: `${H}\nin maintenance by alice until removed: new switches\ndrained by alice until removed: moving racks\nThe db is DEAD! connection refused\n`,
    healthy: false,
    firstFailure: 'db: connection refused',
  },
  {
    name: 'an expired maintenance no longer holds',
    marks: [mark('maint', undefined, { until: NOW - 1 })],
    status: 200,
    healthy: true,
  },
  {
    name: 'a maint file that cannot be read still holds',
    marks: [mark('maint', undefined, { until: NOW - 1, problem: 'cannot read probe-status/maint (EACCES)' })],
    status: 503,
    lines: ['in maintenance until its file is removed: cannot read probe-status/maint (EACCES)'],
  },
  {
    name: 'a drained DC whose selected probes pass is healthy (the agent says up drain): failures outside the selection do not count',
    marks: [mark('drain', undefined)],
    failing: { 'es-1': ['down', 'status 500'], 'es-2': ['down', 'timeout'], 'es-3': ['pending', 'no result yet'] },
    selection: { pool: 'api' },
    status: 503,
    healthy: true,
  },
  {
    name: 'the first failing probe by name, with its reason, for the agent',
    failing: { 'es-2': ['down', 'timeout'], 'es-1': ['down', 'status 500'], 'es-3': ['pending', 'no result yet'] },
    status: 503,
    healthy: false,
    firstFailure: 'es-1: status 500',
  },
  {
    name: 'a sticky mark fails the health though every probe passes',
    marks: [mark('sticky', 'search', { reason: 'es down at night' })],
    status: 503,
    healthy: false,
    firstFailure: 'search: failed at 2030-01-31T11:59:00Z and stays failed: es down at night (deadpool unstick search)',
  },
  {
    name: 'an unreadable flag folder: one line, nothing acked away',
    blocker: 'cannot read the flag folder: permission denied',
    marks: [mark('ack', undefined)],
    status: 503,
    body: `${H}\ncannot read the flag folder: permission denied\n`,
    healthOk: false,
    healthy: false,
    firstFailure: 'cannot read the flag folder: permission denied',
  },
];

for (const c of cases) {
  test(`verdict: ${c.name}`, (t) => {
    const result = verdict(
      { model: model(c.minPassing), probes: statuses(c.failing ?? {}), blocker: c.blocker, marks: c.marks ? marks(c.marks) : NO_MARKS, now: NOW },
      c.selection,
    );
    t.is(result.status, c.status, result.body);
    if (c.body !== undefined) t.is(result.body, c.body);
    for (const line of c.lines ?? []) t.true(result.body.split('\n').includes(line), `${line}\nnot in\n${result.body}`);
    if (c.dead !== undefined) t.deepEqual(result.dead, c.dead);
    if (c.healthOk !== undefined) t.is(result.healthOk, c.healthOk);
    if (c.healthy !== undefined) t.is(result.healthy, c.healthy);
    if (c.firstFailure !== undefined) t.is(result.firstFailure, c.firstFailure);
    t.is(result.healthy, result.firstFailure === undefined, 'a reason exactly when unhealthy');
    t.is(result.status === 200, result.healthy && result.drains.length === 0 && result.maint === undefined, '200 exactly when healthy and neither drained nor in maintenance');
  });
}

test('verdict: a probe the model has but the statuses lack is unknown, and fails', (t) => {
  const result = verdict({ model: model(), probes: new Map(), marks: NO_MARKS, now: NOW }, { pool: 'api' });
  t.is(result.status, 503);
  t.deepEqual(result.dead, ['db', 'dns']);
});

test('verdict: it holds until the first ack or drain ends, and while a drain shows minutes left, until the minute changes', (t) => {
  const input = (list: Mark[]) => ({ model: model(), probes: statuses({ db: ['down', 'x'] }), marks: marks(list), now: NOW });
  t.is(verdict(input([])).validUntil, Infinity);
  t.is(verdict(input([mark('ack', 'db', { until: NOW + 10 * MIN })])).validUntil, NOW + 10 * MIN - 1);
  t.is(verdict(input([mark('drain', undefined, { until: NOW + 10 * MIN + 20_000 })])).validUntil, NOW + 20_000 - 1, '11 min left until 10 min are');
  t.is(verdict(input([mark('drain', undefined, { until: NOW + 20_500 })])).validUntil, NOW + 500 - 1, '21 s left until 20 s are');
  t.is(verdict(input([mark('maint', undefined, { until: NOW + 20_500 })])).validUntil, NOW + 500 - 1, 'maintenance: the same');
  t.is(verdict(input([mark('maint', undefined, { until: NOW + 10 * MIN })])).validUntil, NOW + MIN - 1, 'maintenance: until 9 min are left');
});

test('verdict: structured data for /__health and deadpool status: every probe of the selection, every group', (t) => {
  const result = verdict({ model: model(), probes: statuses({ 'es-2': ['down', 'timeout'] }), marks: marks([mark('ack', 'es-2')]), now: NOW }, { pool: 'search' });
  t.deepEqual(result.categories, ['search']);
  t.is(result.pool, 'search');
  t.deepEqual(result.probes.map((p) => [p.name, p.status.state, p.ack?.by, p.counts]), [
    ['es-1', 'up', undefined, false],
    ['es-2', 'down', 'alice', false],
    ['es-3', 'up', undefined, false],
  ]);
  t.deepEqual(result.groups, [{ category: 'search', group: 'elasticsearch', resilient: true, members: ['es-1', 'es-2', 'es-3'], passing: 2, acked: 1, needs: 1, ok: true }]);
});

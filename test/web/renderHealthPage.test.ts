import test from 'ava';
import { createHash } from 'node:crypto';
import type { Mark, MarkKind } from '../../src/marks/Mark.ts';
import { NO_MARKS } from '../../src/marks/Mark.ts';
import type { WatcherState } from '../../src/flag-store/watcherState.ts';
import type { HealthModel } from '../../src/verdict/healthModel.ts';
import type { ProbeState, ProbeStatus } from '../../src/verdict/ProbeStatus.ts';
import { verdict, type VerdictInput } from '../../src/verdict/verdict.ts';
import { htmlEscape } from '../../src/web/htmlEscape.ts';
import { age, MAX_ROWS, pageHtml, renderHealthPage } from '../../src/web/renderHealthPage.ts';
import { modelOf } from '../helpers/healthModel.ts';

const NOW = Date.UTC(2030, 0, 31, 12, 0, 0);
const MIN = 60_000;

const model = (name = 'DC-1', probes: Record<string, unknown> = {}) =>
  modelOf({
    WEB: { name, pools: { search: { path: '/search', categories: ['search'] }, api: { path: '/api', categories: ['api'] } } },
    categories: { search: { resilient: true, min_passing: 1 }, api: {} },
    probes: {
      'es-1': { module: 'url_probe', categories: ['search'], group: 'elasticsearch' },
      'es-2': { module: 'url_probe', categories: ['search'], group: 'elasticsearch' },
      db: { module: 'sql_probe', categories: ['api'] },
      ...probes,
    },
  });

const up: ProbeStatus = { state: 'up', reason: undefined, since: NOW - 3 * MIN, lastCheck: { at: NOW - 2000, durationMs: 12, ok: true } };

const mark = (kind: MarkKind, target: string | undefined, fields: Partial<Mark> = {}): Mark => ({
  kind,
  target,
  file: `probe-status/${kind}${target === undefined ? '' : `s/${target}`}`,
  reason: 'known issue',
  by: 'alice',
  at: NOW - MIN,
  until: kind === 'ack' || kind === 'drain' ? NOW + 30 * MIN : undefined,
  ...fields,
});

/**
 * The watcher's state the rows read their last checks from: failing probes checked 1 s ago in 3 s
 * (failing for 1 s), the others 2 s ago in 12 ms (up for 3 min).
 */
function stateOf(m: HealthModel, failing: Setup['failing'] = {}): WatcherState {
  const entries = Object.entries(failing).filter(([, [state]]) => state === 'down' || state === 'pending' || state === 'overdue');
  return {
    version: 3,
    pid: 1,
    written_at: NOW,
    heartbeat_ms: 500,
    running: new Set(m.probes.keys()),
    failing: Object.fromEntries(entries.map(([name, [state, reason]]) => [name, { state: state as 'down' | 'pending' | 'overdue', reason }])),
    checks: new Map(),
    checkOf: (name) => (failing[name] ? { at: NOW - 1000, duration_ms: 3000, ok: false, since: NOW - 1000 } : { at: NOW - 2000, duration_ms: 12, ok: true, since: NOW - 3 * MIN }),
  };
}

interface Setup {
  model?: HealthModel;
  failing?: Record<string, [ProbeState, string]>;
  marks?: Mark[];
  blocker?: string;
  selected?: string[];
  freshUntil?: number | undefined;
  freshForMs?: number | undefined;
}

/** The page as the responder makes it: every verdict from the one verdict function. */
function page(setup: Setup = {}): { html: string; contentSecurityPolicy: string; refreshS: number } {
  const m = setup.model ?? model();
  const probes = new Map([...m.probes.keys()].map((name) => [name, setup.failing?.[name] ? { state: setup.failing[name][0], reason: setup.failing[name][1], lastCheck: { at: NOW - 1000, durationMs: 3000, ok: false } } : up]));
  const list = setup.marks ?? [];
  const marks = list.length === 0 ? NO_MARKS : { acks: list.filter((x) => x.kind === 'ack'), drains: list.filter((x) => x.kind === 'drain'), sticky: list.filter((x) => x.kind === 'sticky'), maint: list.filter((x) => x.kind === 'maint') };
  const input: VerdictInput = { model: m, probes, blocker: setup.blocker, marks, now: NOW };
  const rendered = renderHealthPage({
    model: m,
    dc: verdict(input),
    pools: [...m.pools.keys()].map((pool) => verdict(input, { pool })),
    shown: verdict(input, setup.selected ? { categories: setup.selected } : {}),
    state: stateOf(m, setup.failing),
    selected: setup.selected,
    now: NOW,
    freshUntil: 'freshUntil' in setup ? setup.freshUntil : NOW + 5800,
    freshForMs: 'freshForMs' in setup ? setup.freshForMs : 6000,
  });
  return { html: pageHtml(rendered), contentSecurityPolicy: rendered.contentSecurityPolicy, refreshS: rendered.refreshS };
}

/** What a person reads (tags dropped, entities decoded), with the stale alternatives of passing states left out as the page shows them while fresh. */
function visible(html: string): string {
  return html
    .replace(/<span class="xb?">[^<]*<\/span>/g, '')
    .replace(/<(style|title)>[\s\S]*?<\/\1>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

const h1 = (html: string): string => visible(/<h1>([\s\S]*?)<\/h1>/.exec(html)![1]!);
const pools = (html: string): string[] => [...html.matchAll(/<li[^>]*>([\s\S]*?)<\/li>/g)].map((m) => visible(m[1]!));
const banners = (html: string): string[] => [...html.matchAll(/<p class="banner[^"]*"[^>]*>([\s\S]*?)<\/p>/g)].map((m) => visible(m[1]!));
const rows = (html: string): string[][] => [...html.matchAll(/<tr class="[^"]*">([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => visible(c[1]!)));

interface Case {
  name: string;
  setup: Setup;
  h1: string;
  pools: string[];
  banners?: (string | RegExp)[];
  /** Each row's probe and state, in order. */
  rows: [string, string][];
}

const cases: Case[] = [
  { name: 'all passing', setup: {}, h1: 'DC-1: OK', pools: ['search: OK', 'api: OK'], rows: [['db', 'UP'], ['es-1', 'UP'], ['es-2', 'UP']] },
  {
    name: 'a resilient group down and the database down: failing first, each pool names its own',
    setup: { failing: { 'es-1': ['down', 'status 500'], 'es-2': ['down', 'timeout'], db: ['down', 'refused'] } },
    h1: 'DC-1: DOWN — db, es-1, es-2',
    pools: ['search: DOWN — es-1, es-2', 'api: DOWN — db'],
    rows: [['db', 'DOWN'], ['es-1', 'DOWN'], ['es-2', 'DOWN']],
  },
  {
    name: 'one member of a resilient group down is tolerated: listed after the failures that count, before the passing',
    setup: { failing: { 'es-2': ['down', 'status 500'], db: ['pending', 'pending'] } },
    h1: 'DC-1: DOWN — db',
    pools: ['search: OK', 'api: DOWN — db'],
    rows: [['db', 'PENDING'], ['es-2', 'DOWN (tolerated)'], ['es-1', 'UP']],
  },
  {
    name: 'an acked probe is shown with its ack and stops counting',
    setup: { failing: { db: ['down', 'refused'] }, marks: [mark('ack', 'db', { reason: 'migrating', by: 'bob' })] },
    h1: 'DC-1: OK',
    pools: ['search: OK', 'api: OK'],
    rows: [['db', 'DOWN (acked)'], ['es-1', 'UP'], ['es-2', 'UP']],
  },
  {
    name: 'the DC drained and a pool drained: two banners, every pool down',
    setup: { marks: [mark('drain', undefined, { reason: 'moving racks' }), mark('drain', 'search', { reason: 'reindexing' })] },
    h1: 'DC-1: DOWN — drained',
    pools: ['search: DOWN — drained', 'api: DOWN — drained'],
    banners: ['Drained: drained by alice until 2030-01-31T12:30:00Z (30 min left): moving racks', 'Drained: pool search drained by alice until 2030-01-31T12:30:00Z (30 min left): reindexing'],
    rows: [['db', 'UP'], ['es-1', 'UP'], ['es-2', 'UP']],
  },
  {
    name: 'the DC in maintenance: a banner, every pool down, the probes as they are',
    setup: { marks: [mark('maint', undefined, { reason: 'new switches', until: NOW + 30 * MIN })] },
    h1: 'DC-1: DOWN — in maintenance',
    pools: ['search: DOWN — in maintenance', 'api: DOWN — in maintenance'],
    banners: ['Maintenance: in maintenance by alice until 2030-01-31T12:30:00Z (30 min left): new switches'],
    rows: [['db', 'UP'], ['es-1', 'UP'], ['es-2', 'UP']],
  },
  {
    name: 'the DC ack and a sticky category',
    setup: { failing: { db: ['down', 'refused'] }, marks: [mark('ack', undefined, { reason: 'known outage' }), mark('sticky', 'search', { reason: 'search: elasticsearch has 0 of 2 passing, needs 1' })] },
    h1: 'DC-1: DOWN — db, search sticky',
    pools: ['search: DOWN — search sticky', 'api: DOWN — db'],
    banners: [/^DC acknowledged: ACKED by alice until 2030-01-31T12:30:00Z: known outage \(only \/__health's ok follows it/, 'Sticky: search: failed at 2030-01-31T11:59:00Z and stays failed: search: elasticsearch has 0 of 2 passing, needs 1 (deadpool unstick search)'],
    rows: [['db', 'DOWN'], ['es-1', 'UP'], ['es-2', 'UP']],
  },
  {
    name: 'a silent watcher: every probe unknown, one banner saying why',
    setup: { failing: { db: ['unknown', 'no result from the watcher for 9 s: stopped, frozen, or unable to write probe-status/'], 'es-1': ['unknown', 'no result from the watcher for 9 s: stopped, frozen, or unable to write probe-status/'], 'es-2': ['unknown', 'no result from the watcher for 9 s: stopped, frozen, or unable to write probe-status/'] }, freshUntil: NOW - 7000 },
    h1: 'DC-1: DOWN — db, es-1, es-2',
    pools: ['search: DOWN — es-1, es-2', 'api: DOWN — db'],
    banners: ['DeadPool cannot tell: no result from the watcher for 9 s: stopped, frozen, or unable to write probe-status/'],
    rows: [['db', 'UNKNOWN'], ['es-1', 'UNKNOWN'], ['es-2', 'UNKNOWN']],
  },
  {
    name: 'an unreadable flag folder',
    setup: { blocker: 'cannot read the flag folder: EACCES' },
    h1: 'DC-1: DOWN — cannot read the flag folder: EACCES',
    pools: ['search: DOWN — cannot read the flag folder: EACCES', 'api: DOWN — cannot read the flag folder: EACCES'],
    banners: ['DeadPool cannot tell: cannot read the flag folder: EACCES'],
    rows: [['db', 'UNKNOWN'], ['es-1', 'UNKNOWN'], ['es-2', 'UNKNOWN']],
  },
];

for (const c of cases) {
  test(`page: ${c.name}`, (t) => {
    const { html } = page(c.setup);
    t.is(h1(html), c.h1);
    t.deepEqual(pools(html), c.pools);
    const shown = banners(html);
    t.is(shown.length, c.banners?.length ?? 0, shown.join('\n'));
    for (const [i, expected] of (c.banners ?? []).entries()) {
      if (typeof expected === 'string') t.is(shown[i], expected);
      else t.regex(shown[i] ?? '', expected);
    }
    t.deepEqual(rows(html).map((cells) => [cells[0], cells[1]]), c.rows);
  });
}

test('page: a row shows reason, since, last check, duration, categories, group and ack', (t) => {
  const { html } = page({ failing: { db: ['down', 'ECONNREFUSED 10.0.0.5:5432'] }, marks: [mark('ack', 'db', { reason: 'migrating', by: 'bob' })] });
  const [db, es1] = rows(html);
  t.deepEqual(db, ['db', 'DOWN (acked)', 'ECONNREFUSED 10.0.0.5:5432', '1 s', '1 s ago', '3 s', 'api', 'db', 'ACKED by bob until 2030-01-31T12:30:00Z: migrating']);
  t.deepEqual(es1, ['es-1', 'UP', '', '3 min', '2 s ago', '12 ms', 'search', 'elasticsearch', '']);
  t.is([...html.matchAll(/<th scope="col">/g)].length, 9, 'real column headers');
  t.is([...html.matchAll(/<th scope="row">/g)].length, 3, 'each row headed by its probe');
  t.regex(html, /<nav aria-label="Filter by category">Categories: <a href="__health" aria-current="page">all<\/a> <a href="__health\?categories=api">api<\/a> <a href="__health\?categories=default">default<\/a> <a href="__health\?categories=search">search<\/a><\/nav>/, 'categories link to their filter');
});

test('page: every text from config, a flag or a mark is escaped', (t) => {
  const evil = '<script>alert("x")</script>&\'';
  const m = model(`DC <b>"1"</b>`);
  const { html } = page({ model: m, failing: { db: ['down', evil], 'es-1': ['down', evil] }, marks: [mark('ack', 'db', { reason: evil, by: '<img src=x onerror=alert(1)>' }), mark('drain', undefined, { reason: evil })] });
  t.false(html.includes('<script'), 'no script element');
  t.false(html.includes('<img'), 'no img element');
  t.false(html.includes('<b>'), 'the DC name is text');
  t.true(html.includes(htmlEscape(evil)));
  t.is(h1(html), 'DC <b>"1"</b>: DOWN — drained');
  t.regex(visible(html), /<script>alert\("x"\)<\/script>&'/);
  t.regex(html, /<title>DC &lt;b&gt;&quot;1&quot;&lt;\/b&gt;: DOWN · DeadPool<\/title>/);
});

test('page: a reason with control characters or many lines shows its first line, cut', (t) => {
  const { html } = page({ failing: { db: ['down', `first\u0007line ${'x'.repeat(400)}\nsecond line`] } });
  const reason = rows(html)[0]![2]!;
  t.true(reason.startsWith('first line x'));
  t.true(reason.endsWith('…'));
  t.true(reason.length <= 300);
  t.false(html.includes('second line'));
});

test('page: more than ten dead probes are named ten, then counted', (t) => {
  const extra = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`p${String(i).padStart(2, '0')}`, { module: 'url_probe', categories: ['api'] }]));
  const m = model('DC-1', extra);
  const failing = Object.fromEntries(Object.keys(extra).map((name) => [name, ['down', 'x'] as [ProbeState, string]]));
  t.is(h1(page({ model: m, failing }).html), 'DC-1: DOWN — p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, and 2 more');
});

test('page: the content security policy allows its two style sheets and nothing else', (t) => {
  const { html, contentSecurityPolicy } = page();
  const sheets = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
  t.is(sheets.length, 2);
  t.is(contentSecurityPolicy, `default-src 'none'; style-src ${sheets.join(' ')}; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`);
  t.false(/<script|\sstyle=|\son\w+=|https?:\/\//.test(html), 'no script, inline style attribute, handler or outside URL');
  t.regex(html, /<meta name="viewport" content="width=device-width,initial-scale=1">/, 'readable on a phone');
});

test('page: reloads before its data turns stale, and marks passing states stale at the freshness limit', (t) => {
  const timing = (freshForMs: number | undefined, freshUntil: number | undefined) => {
    const p = page({ freshForMs, freshUntil });
    return [p.refreshS, /<meta http-equiv="refresh" content="(\d+);url=__health">/.exec(p.html)?.[1], /<style>:root\{--expire:(\d+)ms\}<\/style>/.exec(p.html)?.[1]];
  };
  t.deepEqual(timing(6000, NOW + 5600), [5, '5', '5600'], 'production: 1 s of heartbeats + 5 s of grace');
  t.deepEqual(timing(60_000, NOW + 59_000), [5, '5', '59000'], 'never less often than every 5 s');
  t.deepEqual(timing(2000, NOW + 1800), [1, '1', '1800'], 'a short grace: every second');
  t.deepEqual(timing(6000, NOW + 200), [5, '5', '200'], 'a responder late with the heartbeat is not asked more often; the page turns stale before its reload');
  t.deepEqual(timing(6000, NOW - 5000), [5, '5', '0'], 'stale already: passing states are never shown as passing');
  t.deepEqual(timing(undefined, undefined), [5, '5', '0'], 'no watcher heard: nothing passes');
  const { html } = page();
  t.regex(html, /<span class="f">OK<\/span><span class="x">STALE<\/span>/);
  t.regex(html, /<td><span class="f">UP<\/span><span class="x">STALE<\/span><\/td>/);
});

test('page: ?categories= selects the table, keeps the filter across reloads and marks its link', (t) => {
  const { html } = page({ selected: ['search'], failing: { db: ['down', 'refused'] } });
  t.deepEqual(rows(html).map((r) => r[0]), ['es-1', 'es-2']);
  t.regex(html, /<meta http-equiv="refresh" content="5;url=__health\?categories=search">/);
  t.regex(html, /<a href="__health\?categories=search" aria-current="page">search<\/a>/);
  t.is(visible(/<h2>([\s\S]*?)<\/h2>/.exec(html)![1]!), 'Categories search: OK');
  t.is(h1(html), 'DC-1: DOWN — db', 'the DC line is the whole DC');
});

test('page: made in chunks of a few KB, the same page as a whole', (t) => {
  const extra = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`p${i}`, { module: 'url_probe', categories: ['api'] }]));
  const m = model('DC-1', extra);
  const input = { model: m, probes: new Map([...m.probes.keys()].map((name) => [name, up])), marks: NO_MARKS, now: NOW };
  const rendered = renderHealthPage({ model: m, dc: verdict(input), pools: [], shown: verdict(input), state: stateOf(m), selected: undefined, now: NOW, freshUntil: NOW + 5000, freshForMs: 6000 });
  const chunks = [...rendered.chunks()];
  t.true(chunks.length > 5);
  t.true(Math.max(...chunks.map((chunk) => chunk.length)) < 64 * 1024, 'no chunk near the size V8 keeps as a large object');
  t.is(Buffer.concat(chunks).toString('utf8'), pageHtml(rendered));
  t.is([...pageHtml(rendered).matchAll(/<th scope="row">/g)].length, 503);
});

test(`page: at most ${MAX_ROWS} rows, every failing probe among them, and the caption says where the others are`, (t) => {
  const extra = Object.fromEntries(Array.from({ length: MAX_ROWS + 200 }, (_, i) => [`p${String(i).padStart(4, '0')}`, { module: 'url_probe', categories: ['api'] }]));
  const failing: Setup['failing'] = { p1150: ['down', 'late failure'], p1199: ['pending', 'pending'], 'es-2': ['down', 'timeout'] };
  const html = page({ model: model('DC-1', extra), failing }).html;
  const rows = [...html.matchAll(/<th scope="row">([^<]*)<\/th>/g)].map((m) => m[1]);
  t.is(rows.length, MAX_ROWS);
  t.deepEqual(rows.slice(0, 3).sort(), ['es-2', 'p1150', 'p1199'], 'failing probes first, whatever their names');
  t.regex(html, new RegExp(`<caption>${MAX_ROWS + 203} probes, 3 failing; the first ${MAX_ROWS} listed, failing ones first\\. The other 203 are on each category's page \\(the links above\\) and in /__health as JSON</caption>`));
  t.notRegex(page().html, /listed, failing ones first/, 'a page that fits lists every probe and says nothing of it');
});

test('age: in the unit a person reads', (t) => {
  t.deepEqual([0, 1500, 119_000, 120_000, 7_199_000, 7_200_000, 47 * 3600_000, 49 * 3600_000].map(age), ['0 s', '1 s', '119 s', '2 min', '119 min', '2 h 0 min', '47 h 0 min', '2 d 1 h']);
});

test('htmlEscape: the five characters, other text as it is', (t) => {
  t.is(htmlEscape(`<a href="x" title='y'>&amp;</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  t.is(htmlEscape('es-1'), 'es-1');
  t.is(htmlEscape(''), '');
  t.is(htmlEscape('<<'), '&lt;&lt;', 'every occurrence, twice in a row');
});

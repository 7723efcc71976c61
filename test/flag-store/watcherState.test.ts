import test from 'ava';
import { CHECK_FIELDS, encodeChecks, parseWatcherState, STATE_VERSION, type CheckSource, type ProbeCheck, type WatcherStateFile } from '../../src/flag-store/watcherState.ts';

const WRITTEN_AT = 1_800_000_000_000;

/** What a ProbeLoop would report for this last check (or none yet). */
const source = ([name, check]: [string, ProbeCheck | undefined]): CheckSource => ({
  name,
  checkedAt: check?.at,
  lastDurationMs: check?.duration_ms ?? 0,
  lastOk: check?.ok ?? false,
  lastReason: check?.reason ?? 'pending',
  stateSince: check?.since ?? 0,
});

function file(probes: [string, ProbeCheck | undefined][], failing: WatcherStateFile['failing'] = {}, extra: Partial<WatcherStateFile> = {}): WatcherStateFile {
  return { version: STATE_VERSION, pid: 1, written_at: WRITTEN_AT, heartbeat_ms: 500, running: probes.map(([name]) => name), failing, ...encodeChecks(WRITTEN_AT, probes.map(source), failing), ...extra };
}

const parse = (value: unknown) => parseWatcherState(JSON.stringify(value));

test('round trip: every checked probe comes back with its last check; times to the ms, since to the second; pending probes have none', (t) => {
  const up: ProbeCheck = { at: WRITTEN_AT - 1234, duration_ms: 17, ok: true, since: WRITTEN_AT - 86_400_000 };
  const down: ProbeCheck = { at: WRITTEN_AT - 10, duration_ms: 2000, ok: false, since: WRITTEN_AT - 65_000, reason: 'timeout after 2 s' };
  const wobbly: ProbeCheck = { at: WRITTEN_AT - 400, duration_ms: 3, ok: false, since: WRITTEN_AT - 3_600_400, reason: 'status 500 not in [200]' };
  const state = parse(file([['up', up], ['down', down], ['pending', undefined], ['wobbly', wobbly]], { down: { state: 'down', reason: 'timeout after 2 s' }, pending: { state: 'pending', reason: 'pending' } }));
  t.truthy(state);
  t.deepEqual([...state!.running], ['up', 'down', 'pending', 'wobbly']);
  t.deepEqual([...state!.checks], [
    ['up', up],
    ['down', down],
    // Up (fall > 1) with a failed last check: its reason is in failed_checks, not in failing.
    ['wobbly', { ...wobbly, since: WRITTEN_AT - 3_600_000 }],
  ]);
  t.is(state!.checks, state!.checks, 'decoded once');
});

test('checkOf: one probe\'s check, the same as in checks, before and after they are decoded', (t) => {
  const up: ProbeCheck = { at: WRITTEN_AT - 1234, duration_ms: 17, ok: true, since: WRITTEN_AT - 86_400_000 };
  const down: ProbeCheck = { at: WRITTEN_AT - 10, duration_ms: 2000, ok: false, since: WRITTEN_AT - 65_000, reason: 'timeout after 2 s' };
  const text = JSON.stringify(file([['up', up], ['down', down], ['pending', undefined]], { down: { state: 'down', reason: 'timeout after 2 s' }, pending: { state: 'pending', reason: 'pending' } }));
  const lazy = parseWatcherState(text)!;
  t.deepEqual(['up', 'down', 'pending', 'gone'].map((name) => lazy.checkOf(name)), [up, down, undefined, undefined]);
  const eager = parseWatcherState(text)!;
  t.deepEqual(['up', 'down', 'pending'].map((name) => eager.checkOf(name)), ['up', 'down', 'pending'].map((name) => eager.checks.get(name)));
});

test('a down probe\'s reason is not written twice; an overdue one\'s last failure is kept', (t) => {
  const failed: ProbeCheck = { at: WRITTEN_AT - 20_000, duration_ms: 5, ok: false, since: WRITTEN_AT - 20_000, reason: 'ECONNREFUSED 127.0.0.1:9200' };
  const written = file([['a', failed], ['b', failed]], { a: { state: 'down', reason: failed.reason! }, b: { state: 'overdue', reason: 'no result for 20 s (checks are running late)' } });
  t.deepEqual(written.failed_checks, { a: '', b: 'ECONNREFUSED 127.0.0.1:9200' });
  const state = parse(written);
  t.is(state?.checks.get('a')?.reason, 'ECONNREFUSED 127.0.0.1:9200');
  t.is(state?.checks.get('b')?.reason, 'ECONNREFUSED 127.0.0.1:9200');
});

test('since never reads later than the check it led to, whatever the rounding to the second', (t) => {
  const check: ProbeCheck = { at: WRITTEN_AT - 1300, duration_ms: 1, ok: true, since: WRITTEN_AT - 1300 };
  t.is(parse(file([['p', check]]))?.checks.get('p')?.since, WRITTEN_AT - 1300);
});

test('a file this version does not understand is no state at all (the responder fails closed)', (t) => {
  const good = file([['p', { at: WRITTEN_AT, duration_ms: 1, ok: true, since: WRITTEN_AT }]]);
  t.truthy(parse(good));
  t.is(parse({ ...good, version: 2 }), undefined, 'the version before');
  t.is(parse({ ...good, version: STATE_VERSION + 1 }), undefined, 'a later version');
  const { checks: _checks, failed_checks: _failed, ...v2Shape } = good;
  t.is(parse({ ...v2Shape, version: 2 }), undefined, 'a file as the previous watcher wrote it');
  t.is(parse(v2Shape), undefined, 'no checks');
  t.is(parse({ ...good, checks: [0, 1] }), undefined, 'checks that do not line up with the names');
  t.is(parse({ ...good, checks: [0, 1, '2'] }), undefined, 'not numbers');
  t.is(parse({ ...good, running: ['p', 'p'], checks: [0, 1, 0, 0, 1, 0] }), undefined, 'a name twice');
  t.is(parseWatcherState('{"version": 3'), undefined, 'half a file');
  t.is(parse({ ...good, heartbeat_ms: 0 }), undefined, 'no heartbeat period');
  t.is(parse({ ...good, min_deadline_ms: -1 }), undefined, 'a negative deadline');
  t.is(parse({ ...good, failing: { p: { state: 'sleepy', reason: 'x' } } }), undefined, 'an unknown failing state');
  t.is(parse({ ...good, failing: { p: { state: 'down' } } }), undefined, 'a failing probe without a reason');
  t.is(parse({ ...good, failing: [] }), undefined, 'failing as a list');
  t.is(parse({ ...good, failed_checks: { p: 1 } }), undefined, 'a failed check without a reason');
  t.is(parse({ ...good, drift: { counts: [1], total: '1' } }), undefined, 'a drift total that is not a number');
  t.is(parse({ ...good, config_problems: [1] }), undefined, 'config problems that are not text');
  t.is(parse([good]), undefined, 'a list');
  t.is(parse(null), undefined, 'null');
});

test('what the file says is kept as written, and nothing else', (t) => {
  const good = file([['p', { at: WRITTEN_AT, duration_ms: 1, ok: true, since: WRITTEN_AT }]], {}, { min_deadline_ms: 2500, drift: { counts: [3, 1], total: 4 }, config_problems: ['config.yaml: WEB.port: expected a number'] });
  const state = parse({ ...good, surprise: 'x' })!;
  t.is(state.min_deadline_ms, 2500);
  t.deepEqual(state.drift, { counts: [3, 1], total: 4 });
  t.deepEqual(state.config_problems, ['config.yaml: WEB.port: expected a number']);
  t.false('surprise' in state, 'a key this version does not write is dropped');
});

test('at 10,000 probes checked for a day the file stays near 14 bytes of checks per probe', (t) => {
  const probes: [string, ProbeCheck][] = Array.from({ length: 10_000 }, (_, i) => [`p${i}`, { at: WRITTEN_AT - ((i * 7919) % 10_000), duration_ms: 1 + (i % 40), ok: true, since: WRITTEN_AT - 86_400_000 - i * 0.2 }]);
  const withChecks = JSON.stringify(file(probes));
  const { checks: _checks, failed_checks: _failed, ...bare } = file(probes);
  const added = withChecks.length - JSON.stringify(bare).length;
  t.true(added / probes.length <= 15, `${added} bytes for ${probes.length} probes`);
  t.is(parseWatcherState(withChecks)?.checks.size, 10_000);
  t.is(CHECK_FIELDS, 3);
});

test('a heartbeat naming the same probes in the same order keeps the last state\'s set of names; any change makes a new one', (t) => {
  const check: ProbeCheck = { at: WRITTEN_AT - 5, duration_ms: 3, ok: true, since: WRITTEN_AT - 60_000 };
  const first = parse(file([['a', check], ['b', check]]))!;
  const same = parseWatcherState(JSON.stringify(file([['a', check], ['b', check]])), first)!;
  t.is(same.running, first.running, 'kept: a copy of every name per heartbeat reached the responder\'s old generation');
  t.deepEqual([...same.checks.keys()], ['a', 'b'], 'the checks still line up with the names');
  t.not(parseWatcherState(JSON.stringify(file([['b', check], ['a', check]])), first)!.running, first.running, 'another order');
  t.deepEqual([...parseWatcherState(JSON.stringify(file([['a', check], ['c', check]])), first)!.running], ['a', 'c']);
  t.deepEqual([...parseWatcherState(JSON.stringify(file([['a', check]])), first)!.running], ['a']);
});

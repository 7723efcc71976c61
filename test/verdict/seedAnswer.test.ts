import test from 'ava';
import type { WatcherState } from '../../src/flag-store/watcherState.ts';
import { NO_MARKS } from '../../src/marks/Mark.ts';
import { MAX_BODY_BYTES } from '../../src/verdict/boundedBody.ts';
import { heartbeatLimit, probeStatuses, type Freshness } from '../../src/verdict/probeStatuses.ts';
import { verdict as judgeAll } from '../../src/verdict/verdict.ts';
import type { FlagViewState } from '../../src/web/FlagView.ts';
import { freshFor } from '../helpers/freshness.ts';
import { modelFor } from '../helpers/healthModel.ts';

// A config in the seed's shape (no categories, groups, pools or marks) must answer exactly as the
// seed did: these cases predate the health model and keep its bodies byte for byte.

/** The verdict for a seed-style config of `probes`, through the responder's view of the folder. */
function judge(probes: Iterable<string>, flags: FlagViewState, name: string, freshness: Freshness) {
  const list = [...probes];
  const statuses = probeStatuses(list, flags, freshness);
  const result = judgeAll({ model: modelFor(list, name), probes: statuses.probes, blocker: statuses.blocker, probesValidUntil: statuses.validUntil, marks: NO_MARKS, now: freshness.now });
  return { status: result.status, body: result.body, dead: result.dead, validUntil: result.validUntil };
}

const verdictExpiry = (probes: string[], flags: FlagViewState, freshness: Freshness): number => judge(probes, flags, 'DC-1', freshness).validUntil;

/** Every probe checked just now: these tests are about flags; freshness has its own below. */
const verdict = (probes: Iterable<string>, flags: FlagViewState, name: string) => {
  const { status, body, dead } = judge(probes, flags, name, freshFor([...probes]));
  return { status, body, dead };
};

const state = (flags: Record<string, string>, folderOk = true): FlagViewState => ({
  folder: '/flags',
  folderOk,
  folderProblem: folderOk ? undefined : 'the folder does not exist',
  flags: new Map(Object.entries(flags)),
});

test('no dead enabled probe: 200 and OK', (t) => {
  t.deepEqual(verdict(['elastic', 'mongo'], state({}), 'DC-1'), { status: 200, body: 'Server: DC-1 reports:\nOK\n', dead: [] });
});

test('dead enabled probes: 503, one line each with the reason, sorted by name', (t) => {
  const result = verdict(new Set(['mongo', 'elastic', 'sql']), state({ mongo: 'timeout after 2 s', elastic: 'status 500' }), 'DC-1');
  t.is(result.status, 503);
  t.is(result.body, 'Server: DC-1 reports:\nThe elastic is DEAD! status 500\nThe mongo is DEAD! timeout after 2 s\n');
  t.deepEqual(result.dead, ['elastic', 'mongo']);
});

test('flags of disabled or unknown probes are ignored', (t) => {
  const result = verdict(['elastic'], state({ mongo: 'down', stranger: 'down' }), 'DC-1');
  t.is(result.status, 200);
  t.false(result.body.includes('mongo'));
  t.false(result.body.includes('stranger'));
});

test('an unreadable flag folder is a 503, not an OK', (t) => {
  const result = verdict(['elastic'], state({}, false), 'DC-1');
  t.is(result.status, 503);
  t.is(result.body, 'Server: DC-1 reports:\ncannot read the flag folder: the folder does not exist\n');
});

test('many dead probes: the body stays under 4 KB and says how many were left out', (t) => {
  const names = Array.from({ length: 200 }, (_, i) => `probe-${String(i).padStart(3, '0')}`);
  const flags = Object.fromEntries(names.map((name) => [name, `connection refused by ${name}.internal:9200 after 3 retries`]));
  const result = verdict(names, state(flags), 'DC-1');
  t.is(result.status, 503);
  t.true(Buffer.byteLength(result.body) < MAX_BODY_BYTES, `${Buffer.byteLength(result.body)} bytes`);
  const lines = result.body.trimEnd().split('\n');
  const shown = lines.filter((line) => line.startsWith('The ')).length;
  t.true(shown > 10);
  t.is(lines.at(-1), `… and ${names.length - shown} more`);
  t.is(lines[1], 'The probe-000 is DEAD! connection refused by probe-000.internal:9200 after 3 retries');
});

test('one huge reason is shortened, not dropped', (t) => {
  const result = verdict(['a', 'b'], state({ a: 'x'.repeat(10_000), b: 'short' }), 'DC-1');
  const lines = result.body.trimEnd().split('\n');
  t.is(lines.length, 3);
  t.true(lines[1]!.endsWith('…'));
  t.is(lines[2], 'The b is DEAD! short');
  t.true(Buffer.byteLength(result.body) < MAX_BODY_BYTES);
});

test('control characters in reasons and the server name cannot forge extra lines', (t) => {
  const result = verdict(['a'], state({ a: 'bad\u0007 thing\rThe b is DEAD! fake' }), 'DC\n1');
  t.is(result.body, 'Server: DC reports:\nThe a is DEAD! bad  thing\n');
});

const NOW = 1_800_000_000_000;
/** A state file written `writtenAgoMs` ago by a watcher running `running`, with `failing` among them. */
const heartbeat = (running: string[], failing: WatcherState['failing'] = {}, writtenAgoMs = 0, extra: Partial<WatcherState> = {}): Freshness => ({
  watcher: { state: { version: 3, pid: 1, written_at: NOW - writtenAgoMs, heartbeat_ms: 500, min_deadline_ms: 5000, running: new Set(running), failing, checks: new Map(), ...extra, checkOf: (probe) => extra.checks?.get(probe) } },
  now: NOW,
  graceMs: 5000,
  folderName: 'probe-status/',
});

test('a silent watcher: once its last word is older than 2 heartbeats + grace every unflagged probe fails, naming the age', (t) => {
  // Limit: min(2 × 500, max(500, 5000)) + 5000 = 6000 ms.
  t.is(judge(['elastic'], state({}), 'DC-1', heartbeat(['elastic'], {}, 6000)).status, 200);
  const stale = judge(['elastic'], state({}), 'DC-1', heartbeat(['elastic'], {}, 14_000));
  t.is(stale.status, 503);
  t.is(stale.body, 'Server: DC-1 reports:\nThe elastic is DEAD! no result from the watcher for 14 s: stopped, frozen, or unable to write probe-status/\n');
  t.is(judge(['elastic'], state({}), 'DC-1', heartbeat(['elastic'], {}, 6001)).status, 503, 'one ms past the limit');
});

test('the heartbeat limit follows the shortest period + timeout, between one and two heartbeats', (t) => {
  const limit = (minDeadline: number | undefined) => heartbeatLimit({ version: 3, pid: 1, written_at: 0, heartbeat_ms: 500, running: new Set(), failing: {}, checks: new Map(), checkOf: () => undefined, ...(minDeadline ? { min_deadline_ms: minDeadline } : {}) }, 1000);
  t.is(limit(800), 1800);
  t.is(limit(200), 1500);
  t.is(limit(60_000), 2000);
  t.is(limit(undefined), 2000);
});

test('no watcher state at all: every enabled probe fails, saying why', (t) => {
  const result = judge(['a', 'b'], state({}), 'DC-1', { watcher: { state: undefined }, now: NOW, graceMs: 5000, folderName: 'probe-status/' });
  t.is(result.status, 503);
  t.is(result.body, 'Server: DC-1 reports:\nThe a is DEAD! no result from the watcher: not started, or unable to write probe-status/\nThe b is DEAD! no result from the watcher: not started, or unable to write probe-status/\n');
});

test('a probe the watcher is not running because it refused the config edit fails with the first problem', (t) => {
  const refusing = heartbeat(['old'], {}, 0, { config_problems: ['config.yaml: probes.new.query.url: missing, expected an http(s) URL', 'config.yaml: probes.other: …'] });
  const result = judge(['old', 'new'], state({}), 'DC-1', refusing);
  t.is(result.status, 503);
  t.is(result.body, 'Server: DC-1 reports:\nThe new is DEAD! not checked: the watcher refused the config and runs its last good one: config.yaml: probes.new.query.url: missing, expected an http(s) URL\n');
});

test('pending and overdue probes fail with the reason the watcher gives; a probe the watcher does not run yet is pending', (t) => {
  const result = judge(['new', 'starting', 'late', 'fine'], state({}), 'DC-1', heartbeat(['starting', 'late', 'fine'], { starting: { state: 'pending', reason: 'pending' }, late: { state: 'overdue', reason: 'no result for 9 s (checks are running late)' } }));
  t.is(result.body, 'Server: DC-1 reports:\nThe late is DEAD! no result for 9 s (checks are running late)\nThe new is DEAD! pending\nThe starting is DEAD! pending\n');
  const frozen = judge(['new', 'starting'], state({}), 'DC-1', heartbeat(['starting'], { starting: { state: 'pending', reason: 'pending' } }, 60_000));
  t.is(frozen.body, 'Server: DC-1 reports:\nThe new is DEAD! no result from the watcher for 60 s: stopped, frozen, or unable to write probe-status/\nThe starting is DEAD! no result from the watcher for 60 s: stopped, frozen, or unable to write probe-status/\n');
});

test('the verdict holds until just before the heartbeat turns stale, then while the age it shows reads the same', (t) => {
  const fresh = heartbeat(['a'], {}, 1000);
  t.is(verdictExpiry(['a'], state({}), fresh), NOW - 1000 + 6000 - 1);
  t.is(verdictExpiry(['a'], state({ a: 'down' }), fresh), Infinity, 'every enabled probe flagged: time changes nothing');
  // Silent for 7 s: "7 s" until the silence rounds to 8 s, at 7.5 s.
  t.is(verdictExpiry(['a'], state({}), heartbeat(['a'], {}, 7000)), NOW - 7000 + 7500 - 1);
  t.is(verdictExpiry(['a'], state({}), heartbeat(['a'], {}, 7499)), NOW - 7499 + 7500 - 1, 'rounded down: holds for 1 ms more');
  t.is(verdictExpiry(['a'], state({}), heartbeat(['a'], {}, 7500)), NOW - 7500 + 8500 - 1, 'rounded up: holds until 8.5 s');
  const silent = (agoMs: number) => judge(['a'], state({}), 'DC-1', { ...heartbeat(['a'], {}, 7000), now: NOW - 7000 + agoMs }).body;
  t.is(silent(7499), silent(7000), 'the text is the same up to its expiry');
  t.not(silent(7500), silent(7499), 'and changes right after it');
});

test('a flag wins over freshness: its reason is shown', (t) => {
  const result = judge(['elastic'], state({ elastic: 'status 500 not in [200]' }), 'DC-1', heartbeat(['elastic'], {}, 60_000));
  t.is(result.body, 'Server: DC-1 reports:\nThe elastic is DEAD! status 500 not in [200]\n');
});

test('a probe the watcher reports down fails even when its flag cannot be seen (folder being replaced)', (t) => {
  const result = judge(['elastic'], state({}), 'DC-1', heartbeat(['elastic'], { elastic: { state: 'down', reason: 'ECONNREFUSED 10.0.0.5:9200' } }));
  t.is(result.body, 'Server: DC-1 reports:\nThe elastic is DEAD! ECONNREFUSED 10.0.0.5:9200\n');
});

test('with checks asked for, each probe gets its last check, and since where the state is the watcher\'s own; without, the checks are never read', (t) => {
  const checks = new Map([
    ['fine', { at: NOW - 300, duration_ms: 12, ok: true, since: NOW - 60_000 }],
    ['down', { at: NOW - 200, duration_ms: 2000, ok: false, since: NOW - 5000, reason: 'timeout' }],
    ['hand', { at: NOW - 100, duration_ms: 7, ok: true, since: NOW - 90_000 }],
  ]);
  const running = ['fine', 'down', 'hand', 'starting'];
  const failing: WatcherState['failing'] = { down: { state: 'down', reason: 'timeout' }, starting: { state: 'pending', reason: 'pending' } };
  const detailed = probeStatuses(running, state({ down: 'timeout', hand: 'made by hand' }), heartbeat(running, failing, 0, { checks }), { checks: true }).probes;
  t.like(detailed.get('fine'), { state: 'up', since: NOW - 60_000, lastCheck: { at: NOW - 300, durationMs: 12, ok: true } });
  t.like(detailed.get('down'), { state: 'down', since: NOW - 5000, lastCheck: { at: NOW - 200, durationMs: 2000, ok: false } });
  t.like(detailed.get('hand'), { state: 'down', lastCheck: { at: NOW - 100, durationMs: 7, ok: true } });
  t.is(detailed.get('hand')!.since, undefined, 'a flag made by hand: the file does not say since when');
  t.is(detailed.get('starting')!.lastCheck, undefined);

  let reads = 0;
  const counted = heartbeat(running, failing);
  Object.defineProperty(counted.watcher.state, 'checks', { get: () => (reads++, checks) });
  const plain = probeStatuses(running, state({}), counted).probes;
  t.is(reads, 0, 'the Cloudflare answers never build the Map');
  t.is(plain.get('fine')!.lastCheck, undefined);
});

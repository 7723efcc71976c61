import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FlagStore } from '../../src/flag-store/FlagStore.ts';
import { createLogger } from '../../src/log/createLogger.ts';
import type { LogRecord } from '../../src/log/Logger.ts';
import { FlagView, type FlagViewState } from '../../src/web/FlagView.ts';
import { logAnswerChanges } from '../../src/web/logAnswerChanges.ts';
import { memoizedVerdicts } from '../../src/web/memoizedVerdicts.ts';
import { FakeClock } from '../helpers/FakeClock.ts';
import { freshFor } from '../helpers/freshness.ts';
import { constant, modelFor } from '../helpers/healthModel.ts';
import { NO_MARKS } from '../../src/marks/Mark.ts';
import { waitFor } from '../helpers/waitFor.ts';

const HOUR = 3_600_000;
const changesOf = (records: LogRecord[]) => records.filter((r) => r.message.startsWith('now answering')).map((r) => `${r.level} ${r.message}`);

test('a real flag folder: each change of the answer is logged when the folder changes, with no request at all; the recovery too', async (t) => {
  const base = await mkdtemp(path.join(os.tmpdir(), 'deadpool-changes-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const folder = path.join(base, 'probe-status');
  const store = new FlagStore(folder);
  await store.ensureFolder();
  const view = new FlagView({ folder });
  t.teardown(() => view.close());
  await view.ready;
  const records: LogRecord[] = [];
  const log = logAnswerChanges({
    verdicts: memoizedVerdicts({
      getState: () => view.state,
      getModel: constant(modelFor(['elastic', 'mongo'])),
      getMarks: () => NO_MARKS,
      getFreshness: () => freshFor(['elastic', 'mongo']),
    }),
    logger: createLogger({ level: 'debug', sinks: [(r) => records.push(r)] }),
    changes: [(listener) => view.onChange(listener)],
    // Only the folder's events can log the changes below in time.
    recheckMs: HOUR,
  });
  t.teardown(() => log.close());
  t.deepEqual(changesOf(records), ['info now answering 200 OK'], 'the answer at start');

  await store.write('elastic', 'status 500 not in [200]\n');
  await waitFor(() => changesOf(records).length === 2, 2000, 'the 503 to be logged');
  await store.write('elastic', 'timeout after 2 s\n');
  await waitFor(() => view.state.flags.get('elastic') === 'timeout after 2 s', 2000, 'the new reason in the view');
  await store.write('mongo', 'ECONNREFUSED\n');
  await waitFor(() => changesOf(records).length === 3, 2000, 'the second dead probe to be logged');
  await store.remove('elastic');
  await waitFor(() => changesOf(records).length === 4, 2000, 'one probe less to be logged');
  await store.remove('mongo');
  await waitFor(() => changesOf(records).length === 5, 2000, 'the recovery to be logged');
  t.deepEqual(changesOf(records), [
    'info now answering 200 OK',
    'warning now answering 503: elastic',
    'warning now answering 503: elastic, mongo',
    'warning now answering 503: mongo',
    'info now answering 200 OK',
  ]);
  t.like(records.find((r) => r.message === 'now answering 503: elastic, mongo')?.fields, { component: 'web', status: 503, dead: 'elastic, mongo', dead_count: 2 });
});

test('time alone changes the answer (a watcher falling silent sends no event): found by the recheck on the injected clock', (t) => {
  const clock = new FakeClock();
  const epoch = Date.UTC(2026, 0, 1);
  const written = freshFor(['elastic'], epoch);
  const state: FlagViewState = { folder: '/flags', folderOk: true, folderProblem: undefined, flags: new Map() };
  const records: LogRecord[] = [];
  const log = logAnswerChanges({
    verdicts: memoizedVerdicts({
      getState: () => state,
      getModel: constant(modelFor(['elastic'])),
      getMarks: () => NO_MARKS,
      getFreshness: () => ({ ...written, now: epoch + clock.now() }),
    }),
    logger: createLogger({ level: 'debug', sinks: [(r) => records.push(r)] }),
    changes: [],
    clock,
    recheckMs: 250,
  });
  t.teardown(() => log.close());
  // Two heartbeats (1 s) + 5 s of grace.
  clock.advanceTo(6000);
  t.deepEqual(changesOf(records), ['info now answering 200 OK']);
  clock.advanceTo(6250);
  t.deepEqual(changesOf(records), ['info now answering 200 OK', 'warning now answering 503: elastic']);
  clock.advanceTo(20_000);
  t.is(changesOf(records).length, 2, 'the age in the reason grows every second; the answer is the same');
  log.close();
  clock.advanceTo(30_000);
  t.is(changesOf(records).length, 2, 'nothing after close');
});

/** A change source as the views are: listeners subscribe and get their unsubscribe back. */
function changeSource() {
  const listeners = new Set<() => void>();
  const changes = [
    (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  ];
  return { listeners, changes };
}

test('many failing probes: ten named, the rest counted; an unreadable folder says so', async (t) => {
  const names = Array.from({ length: 12 }, (_, i) => `p${String(i).padStart(2, '0')}`);
  let state: FlagViewState = { folder: '/flags', folderOk: true, folderProblem: undefined, flags: new Map(names.map((n) => [n, 'down'])) };
  const { listeners, changes } = changeSource();
  const records: LogRecord[] = [];
  const log = logAnswerChanges({
    verdicts: memoizedVerdicts({ getState: () => state, getModel: constant(modelFor(names)), getMarks: () => NO_MARKS, getFreshness: () => freshFor(names) }),
    logger: createLogger({ level: 'debug', sinks: [(r) => records.push(r)] }),
    changes,
    clock: new FakeClock(),
  });
  t.teardown(() => log.close());
  state = { folder: '/flags', folderOk: false, folderProblem: 'permission denied', flags: new Map() };
  for (const listener of listeners) listener();
  // Changes are looked at once per turn of the event loop (checkOnChange.ts).
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(changesOf(records), [
    'warning now answering 503: p00, p01, p02, p03, p04, p05, p06, p07, p08, p09 and 2 more',
    'warning now answering 503: cannot read the flag folder: permission denied',
  ]);
  log.close();
  t.is(listeners.size, 0, 'unsubscribed');
});

test('a burst of changes in one turn of the event loop is looked at once, not once per change', async (t) => {
  const names = Array.from({ length: 2000 }, (_, i) => `p${i}`);
  let state: FlagViewState = { folder: '/flags', folderOk: true, folderProblem: undefined, flags: new Map() };
  const { listeners, changes } = changeSource();
  const records: LogRecord[] = [];
  const verdicts = memoizedVerdicts({ getState: () => state, getModel: constant(modelFor(names)), getMarks: () => NO_MARKS, getFreshness: () => freshFor(names) });
  let asked = 0;
  const log = logAnswerChanges({
    verdicts: (selection) => {
      asked++;
      return verdicts(selection);
    },
    logger: createLogger({ level: 'debug', sinks: [(r) => records.push(r)] }),
    changes,
    clock: new FakeClock(),
  });
  t.teardown(() => log.close());
  const before = asked;
  // A mass outage as the flag view reports it: one change per flag appearing.
  for (const name of names) {
    state = { ...state, flags: new Map([...state.flags, [name, 'down']]) };
    for (const listener of listeners) listener();
  }
  await new Promise((resolve) => setImmediate(resolve));
  t.is(asked - before, 1, 'one look for 2,000 changes');
  t.deepEqual(changesOf(records), ['info now answering 200 OK', 'warning now answering 503: p0, p1, p10, p100, p1000, p1001, p1002, p1003, p1004, p1005 and 1990 more']);
});

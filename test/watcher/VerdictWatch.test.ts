import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WatcherStateFile } from '../../src/flag-store/watcherState.ts';
import { createLogger } from '../../src/log/createLogger.ts';
import { markFile } from '../../src/marks/markFiles.ts';
import { formatMark } from '../../src/marks/markFormat.ts';
import { removeMark, writeMark } from '../../src/marks/writeMark.ts';
import { VerdictWatch, type VerdictChange } from '../../src/watcher/VerdictWatch.ts';
import { FakeClock } from '../helpers/FakeClock.ts';
import { modelOf } from '../helpers/healthModel.ts';

const model = modelOf({
  WEB: { name: 'DC-1', pools: { search: { path: '/search', categories: ['search'] } } },
  categories: { search: {} },
  probes: {
    'es-1': { module: 'url_probe', categories: ['search'] },
    db: { module: 'url_probe' },
  },
});

async function setup(t: { teardown(fn: () => unknown): void }) {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'deadpool-verdicts-'));
  t.teardown(() => rm(folder, { recursive: true, force: true }));
  const clock = new FakeClock();
  clock.jumpTo(1_000_000);
  const snapshot: Pick<WatcherStateFile, 'running' | 'failing'> = { running: [], failing: {} };
  const changes: VerdictChange[] = [];
  const watch = new VerdictWatch({ folder, model: () => model, snapshot: () => snapshot, clock, log: createLogger({ level: 'error', sinks: [] }), onChange: (change) => void changes.push(change) });
  const take = (): VerdictChange[] => changes.splice(0).map((change) => ({ ...change }));
  return { folder, clock, snapshot, watch, take };
}

test('the first verdict waits for every probe of the selection to have a result; then each change is told once, with who fails and since when', async (t) => {
  const { snapshot, watch, take } = await setup(t);
  await watch.check();
  t.deepEqual(take(), [], 'nothing runs yet: no verdict');
  snapshot.running = ['es-1', 'db'];
  snapshot.failing = { db: { state: 'pending', reason: 'pending' } };
  await watch.check();
  t.deepEqual(take(), [{ pool: 'search', up: true, from: undefined, reason: 'OK', failing: [], since: 1_000_000 }], 'the pool has its results; the base URL still waits for db');
  snapshot.failing = {};
  await watch.check();
  t.deepEqual(take(), [{ pool: undefined, up: true, from: undefined, reason: 'OK', failing: [], since: 1_000_000 }]);
  await watch.check();
  t.deepEqual(take(), [], 'no change, nothing told');

  snapshot.failing = { 'es-1': { state: 'down', reason: 'connection refused' } };
  await watch.check(999_500);
  t.deepEqual(take(), [
    { pool: undefined, up: false, from: true, reason: 'The es-1 is DEAD! connection refused', failing: ['es-1'], since: 999_500 },
    { pool: 'search', up: false, from: true, reason: 'The es-1 is DEAD! connection refused', failing: ['es-1'], since: 999_500 },
  ]);
  // Overdue (no fresh result) is not up either: no change.
  snapshot.failing = { 'es-1': { state: 'overdue', reason: 'no result for 30 s (checks are running late)' } };
  await watch.check();
  t.deepEqual(take(), []);
});

test('marks count as in the responder: a drain takes its pool down, an ack excuses a down probe, a sticky category stays down', async (t) => {
  const { folder, clock, snapshot, watch, take } = await setup(t);
  snapshot.running = ['es-1', 'db'];
  await watch.check();
  t.is(take().length, 2);

  await writeMark(folder, markFile(folder, 'drain', 'search'), formatMark({ reason: 'maintenance', by: 'ops', at: clock.now(), until: undefined }));
  await watch.check();
  const drained = take();
  t.deepEqual(drained.map((c) => [c.pool, c.up]), [['search', false]], 'only the drained pool');
  t.regex(drained[0]!.reason, /drain/i);
  await removeMark(markFile(folder, 'drain', 'search'));
  await watch.check();
  t.deepEqual(take().map((c) => [c.pool, c.up]), [['search', true]]);

  await writeMark(folder, markFile(folder, 'ack', 'es-1'), formatMark({ reason: 'known', by: 'ops', at: clock.now(), until: clock.now() + 60_000 }));
  snapshot.failing = { 'es-1': { state: 'down', reason: 'refused' } };
  await watch.check();
  t.deepEqual(take(), [], 'an acked failure changes no verdict');
  // The ack ends by itself: the verdict turns with time alone.
  clock.jumpTo(clock.now() + 61_000);
  await watch.check();
  t.deepEqual(take().map((c) => [c.pool, c.up]), [[undefined, false], ['search', false]]);

  // es-1 recovers, but its category is sticky: both verdicts stay down until it is unstuck.
  snapshot.failing = {};
  await writeMark(folder, markFile(folder, 'sticky', 'search'), formatMark({ reason: 'es-1 failed', by: 'watcher', at: clock.now(), until: undefined }));
  await watch.check();
  t.deepEqual(take(), []);
  await removeMark(markFile(folder, 'sticky', 'search'));
  await watch.check();
  t.deepEqual(take().map((c) => [c.pool, c.up]), [[undefined, true], ['search', true]]);
});

test('without listeners no look is made; once some come, the verdict starts over from a first one', async (t) => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'deadpool-verdicts-'));
  t.teardown(() => rm(folder, { recursive: true, force: true }));
  let listening = false;
  let looks = 0;
  const changes: VerdictChange[] = [];
  const watch = new VerdictWatch({
    folder,
    model: () => model,
    snapshot: () => {
      looks++;
      return { running: ['es-1', 'db'], failing: {} };
    },
    clock: new FakeClock(),
    log: createLogger({ level: 'error', sinks: [] }),
    onChange: (change) => void changes.push(change),
    active: () => listening,
  });
  await watch.check();
  t.is(looks, 0);
  t.deepEqual(changes, []);
  listening = true;
  await watch.check();
  t.deepEqual(changes.map((c) => [c.pool, c.up, c.from]), [[undefined, true, undefined], ['search', true, undefined]]);
});
